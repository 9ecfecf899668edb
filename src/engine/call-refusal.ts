import type { EndReason } from '../core/call.ts';
import type { DriverErrorKind } from '../telephony/driver.ts';
import type { CallRegistry } from './call-registry.ts';
import type { Leg, LiveCall } from './live-call.ts';

/**
 * Ending a call whose called party cannot be reached while the party who asked for it is already up
 * (click-to-dial's own phone, the agent who took a queued call): that party hears a short tone, then
 * the call ends with why. Without it they would hear silence until the ring timeout.
 */

/** Why a refused dial ends the call: the PBX cannot dial what it was given, or cannot get there. */
const REFUSAL_REASONS: Readonly<Record<DriverErrorKind, EndReason>> = Object.freeze({
  invalid: 'invalid_number',
  not_found: 'unreachable',
  not_supported: 'unreachable',
  unavailable: 'unreachable',
  // The provider failed rather than the number: the network, not the far end.
  provider_unavailable: 'network_error',
  rate_limited: 'network_error',
  provider_auth: 'network_error',
});

/** What the waiting party hears: the congestion tone (a media URI every driver plays). */
export const REFUSAL_TONE = 'tone:congestion';
/** How long the tone plays before the call is hung up. */
export const REFUSAL_TONE_MS = 2_000;

/** Calls that are ending after a refusal, and why; their parties' own hang-ups keep that reason. */
const ending = new WeakMap<LiveCall, EndReason>();

/** The end reason of a dial the driver refused (`unreachable` for anything but a number it cannot dial). */
export function refusalReason(error: unknown): EndReason {
  const kind = (error as { kind?: DriverErrorKind } | undefined)?.kind;
  return (kind && REFUSAL_REASONS[kind]) || 'unreachable';
}

/** The reason a call already ending after a refusal will end with, if it is one. */
export function refusedWith(call: LiveCall): EndReason | undefined {
  return ending.get(call);
}

/** The party already up who asked for the call (the click-to-dial caller, the agent), if any. */
export function waitingParty(call: LiveCall): Leg | undefined {
  return call.legs.find((l) => (l.role === 'caller' || l.role === 'agent') && l.status === 'answered');
}

/**
 * Ends the call with `reason` once the party who is up has heard the tone; at once when nobody is up
 * or the driver plays nothing. The call keeps its status meanwhile.
 */
export async function endAfterTone(ops: CallRegistry, call: LiveCall, reason: EndReason): Promise<void> {
  const party = waitingParty(call);
  if (!party || !ops.deps.driver.capabilities.playback || ending.has(call)) {
    if (!ending.has(call)) await ops.finish(call, reason);
    return;
  }
  ending.set(call, reason);
  try {
    await ops.deps.driver.play(party.id, `${call.id}-refused`, REFUSAL_TONE);
  } catch (error) {
    ops.deps.log.warn({ err: error, callId: call.id }, 'refusal tone could not be played');
    await ops.finish(call, reason);
    return;
  }
  ops.deps.later(call, REFUSAL_TONE_MS, () => ops.finish(call, reason));
}

/** Dials the party the call is for; a refused dial ends the call after the tone instead of ringing out. */
export async function dialCallee(ops: CallRegistry, call: LiveCall, ringTimeoutMs: number): Promise<void> {
  try {
    await ops.dial(call, 'callee', call.to, call.ringTimeoutMs ?? ringTimeoutMs);
  } catch (error) {
    const reason = refusalReason(error);
    ops.deps.log.warn({ err: error, callId: call.id, reason }, 'the called party cannot be dialled');
    const refused = call.legs.at(-1);
    if (refused?.role === 'callee') ops.legEnded(refused, reason);
    await endAfterTone(ops, call, reason);
  }
}
