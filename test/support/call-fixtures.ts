import type { CallSnapshot } from '../../src/core/call.ts';

/** A call record as the store suites write it, at instants counted from {@link T0}. */

export const T0 = Date.parse('2025-03-01T12:00:00.000Z');
export const at = (offsetSec: number): string => new Date(T0 + offsetSec * 1000).toISOString();

/** A call; an override set to `undefined` removes that field, as a snapshot would simply lack it. */
export function makeCall(id: string, overrides: Partial<CallSnapshot> = {}): CallSnapshot {
  const startedAt = overrides.startedAt ?? at(0);
  const call: CallSnapshot = {
    id,
    direction: 'outbound',
    status: 'answered',
    from: '+15550001111',
    to: '+15550002222',
    context: { crmTicket: 'T-1', nested: { tags: ['vip', 'callback'], attempt: 2, ok: true, none: null } },
    legs: [
      {
        id: `${id}-a`,
        role: 'agent',
        address: 'PJSIP/1001',
        status: 'answered',
        startedAt,
        answeredAt: startedAt,
      },
      {
        id: `${id}-b`,
        role: 'callee',
        address: '+15550002222',
        status: 'answered',
        startedAt,
        answeredAt: startedAt,
      },
    ],
    startedAt,
    answeredAt: startedAt,
    duration: 0,
    ...overrides,
  };
  return Object.fromEntries(
    Object.entries(call).filter(([, v]) => v !== undefined),
  ) as unknown as CallSnapshot;
}
