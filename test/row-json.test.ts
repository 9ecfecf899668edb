import { describe, expect, it } from 'vitest';
import type { CallSnapshot } from '../src/core/call.ts';
import type { DomainEvent } from '../src/core/events.ts';
import { callJson, eventJson } from '../src/store/row-json.ts';

const snapshot = {
  id: 'c-1',
  direction: 'outbound',
  status: 'ringing',
  from: 'dispatcher-001',
  to: '+12125550123',
  context: { note: 'quote " and \\ and \u0001', driverId: 42 },
  legs: [],
  startedAt: '2026-01-05T09:00:00.000Z',
} as unknown as CallSnapshot;

function event(data: Record<string, unknown>, extra: Record<string, unknown> = {}): DomainEvent {
  return {
    id: 'e-1',
    seq: 7,
    timestamp: '2026-01-05T09:00:00.000Z',
    type: 'call.ringing',
    callId: 'c-1',
    ...extra,
    data,
  } as unknown as DomainEvent;
}

describe('row JSON', () => {
  it('writes a call event exactly as JSON.stringify does, reusing its snapshot text', () => {
    callJson(snapshot);
    for (const e of [
      event({ call: snapshot }),
      event({ call: snapshot, legId: 'l-1', reason: undefined }, { agentId: 'a-1', queueId: undefined }),
    ]) {
      expect(eventJson(e)).toBe(JSON.stringify(e));
    }
  });

  it('serialises in full what it has not seen, or what does not end with data', () => {
    const fresh = { ...snapshot, id: 'c-2' };
    expect(eventJson(event({ call: fresh }))).toBe(JSON.stringify(event({ call: fresh })));
    callJson(snapshot);
    const dataFirst = { data: { call: snapshot }, id: 'e-2', seq: 8 } as unknown as DomainEvent;
    expect(eventJson(dataFirst)).toBe(JSON.stringify(dataFirst));
  });
});
