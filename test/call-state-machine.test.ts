import { describe, expect, it } from 'vitest';
import { CALL_STATUSES, type CallStatus } from '../src/core/call.ts';
import {
  CALL_TRANSITIONS,
  type CallTransition,
  canTransition,
  nextStatus,
} from '../src/core/call-state-machine.ts';
import { SwitchboardError } from '../src/core/errors.ts';

const TRANSITIONS: readonly CallTransition[] = [
  'ring',
  'enqueue',
  'media',
  'answer',
  'hold',
  'unhold',
  'start_transfer',
  'complete_transfer',
  'cancel_transfer',
  'send_dtmf',
  'record',
  'end',
  'fail',
];

/**
 * The call model of DESIGN.md, written out independently of the table under test: `queued` →
 * `ringing` → `answered` ⇄ `on_hold`, `answered` → `transferring` → `answered` | `ended` (an attended
 * transfer completed, canceled or failed all go back to `answered`), any live
 * status → `ended` or `failed`; an inbound call may be answered straight from the queue, ringing may
 * be reported again, and DTMF keeps the status of a connected call. Queues add `enqueue`: a ringing
 * inbound call (or an offer that rang out) goes back to `queued`, a waiting caller may be moved to
 * another queue, a waiting caller may be sent on to a number (overflow) by a transfer, and a caller an
 * app answered (the IVR) may be handed to a queue. Prompts and recordings (`media`) keep the status.
 * A call recording (`record`) starts, pauses or stops while the caller is connected or waiting, and
 * keeps the status too.
 */
const EXPECTED: Record<CallStatus, Partial<Record<CallTransition, CallStatus>>> = {
  queued: {
    ring: 'ringing',
    enqueue: 'queued',
    answer: 'answered',
    start_transfer: 'transferring',
    media: 'queued',
    record: 'queued',
    end: 'ended',
    fail: 'failed',
  },
  ringing: { ring: 'ringing', enqueue: 'queued', answer: 'answered', end: 'ended', fail: 'failed' },
  answered: {
    hold: 'on_hold',
    start_transfer: 'transferring',
    send_dtmf: 'answered',
    media: 'answered',
    record: 'answered',
    enqueue: 'queued',
    end: 'ended',
    fail: 'failed',
  },
  on_hold: {
    unhold: 'answered',
    start_transfer: 'transferring',
    send_dtmf: 'on_hold',
    record: 'on_hold',
    end: 'ended',
    fail: 'failed',
  },
  transferring: {
    complete_transfer: 'answered',
    cancel_transfer: 'answered',
    record: 'transferring',
    end: 'ended',
    fail: 'failed',
  },
  ended: {},
  failed: {},
};

const cells = CALL_STATUSES.flatMap((status) =>
  TRANSITIONS.map((transition) => [status, transition, EXPECTED[status][transition]] as const),
);
const legal = cells.filter(([, , to]) => to !== undefined) as [CallStatus, CallTransition, CallStatus][];
const illegal = cells.filter(([, , to]) => to === undefined);

function thrown(fn: () => unknown): SwitchboardError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SwitchboardError);
    return error as SwitchboardError;
  }
  throw new Error('expected a SwitchboardError');
}

describe('call state machine', () => {
  it('has a row for every status and nothing else', () => {
    expect(Object.keys(CALL_TRANSITIONS).sort()).toEqual([...CALL_STATUSES].sort());
  });

  it('matches the call model cell by cell', () => {
    expect(CALL_TRANSITIONS).toEqual(EXPECTED);
  });

  it.each(legal)('%s --%s--> %s', (from, transition, to) => {
    expect(canTransition(from, transition)).toBe(true);
    expect(nextStatus(from, transition, 'call-1')).toBe(to);
  });

  it.each(illegal)('%s refuses %s with INVALID_STATE naming the status', (from, transition) => {
    expect(canTransition(from, transition)).toBe(false);
    const error = thrown(() => nextStatus(from, transition, 'call-1'));
    expect(error.code).toBe('INVALID_STATE');
    expect(error.status).toBe(409);
    expect(error.message).toContain(`is ${from.replace('_', ' ')}`);
    expect(error.details).toMatchObject({ callId: 'call-1', status: from, action: transition });
  });

  it('says in words what failed and from where it would work', () => {
    const error = thrown(() => nextStatus('ringing', 'hold', 'c'));
    expect(error.message).toBe('Cannot hold a call that is ringing; it must be answered.');
    expect(error.details).toEqual({
      callId: 'c',
      status: 'ringing',
      action: 'hold',
      allowedFrom: ['answered'],
    });
    expect(thrown(() => nextStatus('on_hold', 'hold')).message).toBe(
      'Cannot hold a call that is on hold; it must be answered.',
    );
    expect(thrown(() => nextStatus('answered', 'unhold')).message).toContain('Cannot take off hold a call');
    expect(thrown(() => nextStatus('ended', 'end')).message).toMatch(
      /^Cannot end a call that is ended; it must be /,
    );
  });

  it('final statuses accept nothing', () => {
    for (const status of ['ended', 'failed'] as const) {
      for (const transition of TRANSITIONS) expect(canTransition(status, transition)).toBe(false);
    }
  });

  it('every live status can end and fail', () => {
    for (const status of CALL_STATUSES.filter((s) => s !== 'ended' && s !== 'failed')) {
      expect(nextStatus(status, 'end')).toBe('ended');
      expect(nextStatus(status, 'fail')).toBe('failed');
    }
  });
});
