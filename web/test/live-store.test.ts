import type { DomainEvent } from '@switchboard/client';
import { describe, expect, it } from 'vitest';
import { callsCsv } from '../src/csv.ts';
import {
  applyEvent,
  type Call,
  callsOf,
  EMPTY,
  FINISHED_CALLS_KEPT,
  type LiveState,
} from '../src/live-store.ts';

/** The console's pure parts: how events change what it shows, and the CSV export. */

let seq = 0;
function call(overrides: Partial<Call> = {}): Call {
  return {
    id: 'c1',
    direction: 'inbound',
    status: 'ringing',
    from: '+14155550123',
    to: '+13125550199',
    context: {},
    legs: [],
    startedAt: '2026-01-05T09:00:00.000Z',
    ...overrides,
  };
}
function event(
  type: string,
  data: Record<string, unknown>,
  timestamp = '2026-01-05T09:00:00.000Z',
): DomainEvent {
  seq += 1;
  return { id: `e${seq}`, seq, type, timestamp, data } as unknown as DomainEvent;
}
const play = (events: DomainEvent[], from: LiveState = EMPTY) => events.reduce(applyEvent, from);

describe('the live state', () => {
  it('an offer shows while it rings and goes once accepted; the call stays with its agent', () => {
    const offered = play([event('call.offered', { call: call(), legId: 'l1', agentId: 'alice' })]);
    expect(Object.values(offered.offers).map((o) => o.agentId)).toEqual(['alice']);
    const taken = play(
      [
        event('call.offer.accepted', { call: call(), legId: 'l1', agentId: 'alice' }),
        event('call.answered', { call: call({ status: 'answered', agentId: 'alice' }) }),
      ],
      offered,
    );
    expect(taken.offers).toEqual({});
    expect(callsOf(taken, 'alice').map((c) => c.id)).toEqual(['c1']);
    expect(callsOf(taken, 'bob')).toEqual([]);
  });

  it('a caller who hangs up while it rings withdraws the offer', () => {
    const state = play([
      event('call.offered', { call: call(), legId: 'l1', agentId: 'alice' }),
      event('call.ended', { call: call({ status: 'ended', endReason: 'canceled' }) }),
    ]);
    expect(state.offers).toEqual({});
    expect(state.calls.c1?.status).toBe('ended');
  });

  it('keeps the server time of the last event (a virtual clock stands still between events)', () => {
    const state = play([event('call.ringing', { call: call() }, '2030-01-01T00:00:00.000Z')]);
    expect(state.lastEventAt).toBe(Date.parse('2030-01-01T00:00:00.000Z'));
    expect(state.lastSeq).toBe(seq);
  });

  it(`keeps the ${FINISHED_CALLS_KEPT} most recent finished calls and every live one`, () => {
    const ended = Array.from({ length: FINISHED_CALLS_KEPT + 5 }, (_, i) =>
      event('call.ended', {
        call: call({
          id: `old-${i}`,
          status: 'ended',
          endedAt: new Date(Date.UTC(2026, 0, 5, 9, 0, i)).toISOString(),
        }),
      }),
    );
    const state = play([
      event('call.answered', { call: call({ id: 'live', status: 'answered' }) }),
      ...ended,
    ]);
    const ids = Object.keys(state.calls);
    expect(ids).toHaveLength(FINISHED_CALLS_KEPT + 1);
    expect(ids).toContain('live');
    expect(ids).not.toContain('old-0');
    expect(ids).toContain(`old-${FINISHED_CALLS_KEPT + 4}`);
  });
});

describe('the CSV export', () => {
  it('has a header and quotes what needs quoting', () => {
    const csv = callsCsv([call({ from: 'Dana "D" Kowalski, dispatch', status: 'ended', duration: 42 })]);
    const [header, row] = csv.split('\r\n');
    expect(header).toBe(
      'id,direction,from,to,status,agentId,queueId,startedAt,answeredAt,endedAt,duration,endReason',
    );
    expect(row).toBe(
      'c1,inbound,"Dana ""D"" Kowalski, dispatch",+13125550199,ended,,,2026-01-05T09:00:00.000Z,,,42,',
    );
  });
});
