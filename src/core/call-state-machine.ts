import type { CallStatus } from './call.ts';
import { nextState, type StateTable } from './state-table.ts';

/**
 * Everything that can happen to a call's status, as data. A row is the status a call is in; a column
 * is what happens; the cell is the status it moves to. A missing cell is an illegal move, answered with
 * INVALID_STATE naming the current status, never a silent no-op.
 *
 * `send_dtmf`, `media` and `record` (start, pause, resume or stop a call recording) stay in place:
 * they are listed so the engine checks commands that keep the status against the same table as those
 * that change it.
 */
export type CallTransition =
  | 'ring'
  | 'enqueue'
  | 'answer'
  | 'hold'
  | 'unhold'
  | 'start_transfer'
  | 'complete_transfer'
  | 'cancel_transfer'
  | 'send_dtmf'
  | 'media'
  | 'record'
  | 'end'
  | 'fail';

const LIVE_EXITS = { end: 'ended', fail: 'failed' } as const;

export const CALL_TRANSITIONS: StateTable<CallStatus, CallTransition> = {
  queued: {
    ring: 'ringing',
    enqueue: 'queued',
    answer: 'answered',
    start_transfer: 'transferring',
    // Announcements to a waiting caller (position, estimated wait).
    media: 'queued',
    record: 'queued',
    ...LIVE_EXITS,
  },
  // `enqueue` from ringing: an inbound call taken into a queue, an agent's offer that rang out, or a
  // call created to wait in a queue (a new call starts ringing).
  ringing: { ring: 'ringing', enqueue: 'queued', answer: 'answered', ...LIVE_EXITS },
  // `enqueue` from answered: a caller an app (the IVR) answered is handed to a queue.
  answered: {
    hold: 'on_hold',
    start_transfer: 'transferring',
    send_dtmf: 'answered',
    media: 'answered',
    record: 'answered',
    enqueue: 'queued',
    ...LIVE_EXITS,
  },
  on_hold: {
    unhold: 'answered',
    send_dtmf: 'on_hold',
    start_transfer: 'transferring',
    record: 'on_hold',
    ...LIVE_EXITS,
  },
  // `cancel_transfer`: an attended transfer canceled or failed; the transferring party is back on the call.
  transferring: {
    complete_transfer: 'answered',
    cancel_transfer: 'answered',
    record: 'transferring',
    ...LIVE_EXITS,
  },
  ended: {},
  failed: {},
};

/** Human words for the error message: "cannot hold a call that is ringing". */
const VERB: Record<CallTransition, string> = {
  ring: 'ring',
  enqueue: 'queue',
  answer: 'answer',
  hold: 'hold',
  unhold: 'take off hold',
  start_transfer: 'transfer',
  complete_transfer: 'complete the transfer of',
  cancel_transfer: 'cancel the transfer of',
  send_dtmf: 'send DTMF on',
  media: 'play or record on',
  record: 'record (or pause, resume or stop recording)',
  end: 'end',
  fail: 'fail',
};

/** Whether `transition` is legal from `status`. */
export function canTransition(status: CallStatus, transition: CallTransition): boolean {
  return CALL_TRANSITIONS[status][transition] !== undefined;
}

/** The status after `transition`, or INVALID_STATE naming the current status. */
export function nextStatus(status: CallStatus, transition: CallTransition, callId?: string): CallStatus {
  return nextState(CALL_TRANSITIONS, status, transition, (allowed) => ({
    message:
      `Cannot ${VERB[transition]} a call that is ${status.replace('_', ' ')}` +
      (allowed.length ? `; it must be ${allowed.join(' or ')}.` : '.'),
    details: { callId, status, action: transition, allowedFrom: allowed },
  }));
}
