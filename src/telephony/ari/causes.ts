import type { HangupCause } from '../driver.ts';

/**
 * How Asterisk's reasons for a channel ending map onto the driver's hang-up causes, as data. Asterisk
 * reports three kinds of reason: the Q.850 cause code (`cause` in ChannelHangupRequest and
 * ChannelDestroyed), the SIP status behind it (`tech_cause`), and the Dial application's summary
 * (`dialstatus` in Dial events).
 */

/** Q.850 cause codes (Asterisk's AST_CAUSE_*) that tell why a call did not happen or ended. */
export const Q850_CAUSES: Readonly<Record<number, HangupCause>> = Object.freeze({
  1: 'invalid_number', // unallocated number
  2: 'unreachable', // no route to transit network
  3: 'invalid_number', // no route to destination
  16: 'normal', // normal clearing
  17: 'busy', // user busy
  18: 'no_answer', // no user responding
  19: 'no_answer', // user alerting, no answer
  20: 'unreachable', // subscriber absent
  21: 'rejected', // call rejected
  22: 'invalid_number', // number changed
  23: 'normal', // redirected to new destination: the call went elsewhere as asked
  26: 'canceled', // answered elsewhere
  27: 'unreachable', // destination out of order
  28: 'invalid_number', // invalid number format
  31: 'normal', // normal, unspecified
  34: 'network_error', // circuit/channel congestion
  38: 'network_error', // network out of order
  41: 'network_error', // temporary failure
  42: 'network_error', // switching equipment congestion
  44: 'network_error', // requested channel not available
  47: 'network_error', // resource unavailable
  58: 'network_error', // bearer capability not available
  88: 'network_error', // incompatible destination
  102: 'no_answer', // recovery on timer expiry
});

/**
 * SIP final responses (`tech_cause`) that say more than the Q.850 code beside them; Asterisk reports a
 * caller's CANCEL as Q.850 127 "interworking" with tech_cause 487, for example.
 */
export const SIP_CAUSES: Readonly<Record<number, HangupCause>> = Object.freeze({
  302: 'normal', // moved: redirected as asked
  404: 'invalid_number',
  408: 'no_answer',
  410: 'invalid_number',
  480: 'no_answer',
  484: 'invalid_number',
  486: 'busy',
  487: 'canceled', // request terminated: the caller gave up
  488: 'network_error',
  500: 'network_error',
  503: 'network_error',
  600: 'busy',
  603: 'rejected',
  604: 'invalid_number',
});

/** `dialstatus` values of Dial events; `""`, `RINGING`, `PROGRESS` and `ANSWER` are not endings. */
export const DIAL_STATUSES: Readonly<Record<string, HangupCause>> = Object.freeze({
  BUSY: 'busy',
  NOANSWER: 'no_answer',
  CANCEL: 'canceled',
  CONGESTION: 'network_error',
  CHANUNAVAIL: 'unreachable',
  DONTCALL: 'rejected',
  TORTURE: 'rejected',
  INVALIDARGS: 'invalid_number',
});

/**
 * The `reason` a DELETE /channels/{id} carries for each cause, so the far end hears why (SIP Reason
 * header, Q.850 code). ARI has no reason for "canceled" (cancelling a ringing leg is a normal
 * clearing) nor for "unreachable" (congestion, 34, is the nearest).
 */
export const ARI_HANGUP_REASONS: Readonly<Record<HangupCause, string>> = Object.freeze({
  normal: 'normal',
  canceled: 'normal',
  no_answer: 'no_answer',
  busy: 'busy',
  rejected: 'rejected',
  invalid_number: 'unallocated',
  unreachable: 'congestion',
  network_error: 'failure',
});

/** Q.850 127 (interworking) and 0 (unknown) say nothing by themselves; the SIP status may. */
const UNINFORMATIVE_Q850 = new Set([0, 127]);

/**
 * The cause a Q.850 code (with the SIP status behind it, when known) stands for; undefined when the
 * code is not in the table, so that other evidence (the dial status) or `normal` decides.
 */
export function causeFromQ850(cause: number | undefined, techCause?: number): HangupCause | undefined {
  if (techCause !== undefined && (cause === undefined || UNINFORMATIVE_Q850.has(cause))) {
    const sip = SIP_CAUSES[techCause];
    if (sip) return sip;
  }
  if (cause === undefined || UNINFORMATIVE_Q850.has(cause)) return undefined;
  return Q850_CAUSES[cause];
}

/** The cause a Dial event's `dialstatus` stands for; undefined while the dial is still going on. */
export function causeFromDialStatus(dialstatus: string | undefined): HangupCause | undefined {
  return dialstatus ? DIAL_STATUSES[dialstatus] : undefined;
}
