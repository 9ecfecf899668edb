import type { EndReason } from '../core/call.ts';
import type { CallRegistry } from './call-registry.ts';
import { participantGone, participantJoined } from './conference-commands.ts';
import type { Leg, LiveCall } from './live-call.ts';
import { supervisorGone, supervisorJoined } from './monitor-commands.ts';

/**
 * Legs beside a call's own two parties: a conference's added parties and supervisors. Their answers
 * and ends follow rules of their own (conference-commands.ts, monitor-commands.ts), routed from here.
 */
export function isSideLeg(leg: Leg): boolean {
  return leg.role === 'conference' || leg.role === 'supervisor';
}

/** A side leg answered: the party joins the call, or the supervisor starts monitoring. */
export function sideLegAnswered(ops: CallRegistry, call: LiveCall, leg: Leg): Promise<void> {
  return leg.role === 'supervisor' ? supervisorJoined(ops, call, leg) : participantJoined(ops, call, leg);
}

/** Whether a leg's end follows the side rules: a supervisor's, or a conference party's (any role). */
export function endsAsSideLeg(call: LiveCall, leg: Leg): boolean {
  return leg.role === 'supervisor' || call.participants.some((p) => p.leg === leg);
}

/** A side leg, or a conference party's, ended (hung up, refused, or rang out). */
export function sideLegGone(ops: CallRegistry, call: LiveCall, leg: Leg, cause: EndReason): Promise<void> {
  return leg.role === 'supervisor'
    ? supervisorGone(ops, call, leg, cause)
    : participantGone(ops, call, leg, cause);
}
