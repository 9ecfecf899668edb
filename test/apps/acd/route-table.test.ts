import { describe, expect, it } from 'vitest';
import { RouteTable } from '../../../src/apps/acd/route-table.ts';
import type { InboundRoute, RouteDestination } from '../../../src/core/routing.ts';

const toQueue = (queueId: string): RouteDestination => ({ kind: 'queue', queueId });

function route(id: string, dialled: string, extra: Partial<InboundRoute> = {}): InboundRoute {
  return { id, dialled, order: 100, destination: toQueue(id), ...extra };
}

// Monday 2026-03-02 10:00 in New York (EST, UTC-5), and the Saturday after at the same time.
const MONDAY_10 = Date.parse('2026-03-02T15:00:00Z');
const SATURDAY_10 = Date.parse('2026-03-07T15:00:00Z');
const WEEKDAYS_9_TO_5 = {
  timeZone: 'America/New_York',
  weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, ['09:00-17:00']])),
};

const resolveId = (table: RouteTable, dialled: string, caller = '+15550001111', at = MONDAY_10) =>
  table.resolve(dialled, caller, at)?.id;

describe('RouteTable', () => {
  it('finds nothing in an empty table, or when nothing matches', () => {
    expect(resolveId(new RouteTable([]), '+12125550100')).toBeUndefined();
    const table = new RouteTable([route('a', '+12125550100'), route('b', '+1213*')]);
    expect(resolveId(table, '+12125550101')).toBeUndefined();
    expect(resolveId(table, '+1212')).toBeUndefined();
    expect(table.size).toBe(2);
  });

  it('prefers an exact number to any prefix, and a longer prefix to a shorter', () => {
    const table = new RouteTable([
      route('any', '*', { order: 0 }),
      route('us', '+1*', { order: 1 }),
      route('nyc', '+1212*', { order: 2 }),
      route('desk', '+12125550100', { order: 3 }),
      route('longer-than-number', '+121255501000*'),
    ]);
    expect(resolveId(table, '+12125550100')).toBe('desk');
    expect(resolveId(table, '+12125550199')).toBe('nyc');
    expect(resolveId(table, '+13105550100')).toBe('us');
    expect(resolveId(table, '+4930123456')).toBe('any');
    expect(resolveId(table, 'PJSIP/1001')).toBe('any');
    // The whole number is a prefix of itself.
    expect(resolveId(new RouteTable([route('p', '+12125550100*')]), '+12125550100')).toBe('p');
  });

  it('prefers a row with a caller pattern, the more specific the better, then lower order', () => {
    const table = new RouteTable([
      route('plain', '+1800*', { order: 1 }),
      route('german', '+1800*', { caller: '+49*', order: 50 }),
      route('berlin', '+1800*', { caller: '+4930*', order: 99 }),
      route('vip', '+1800*', { caller: '+4930123456', order: 100 }),
      route('anyone', '+1800*', { caller: '*', order: 100 }),
    ]);
    expect(resolveId(table, '+18005550100', '+4930123456')).toBe('vip');
    expect(resolveId(table, '+18005550100', '+4930999999')).toBe('berlin');
    expect(resolveId(table, '+18005550100', '+4940999999')).toBe('german');
    // A caller pattern of * still counts as one.
    expect(resolveId(table, '+18005550100', '+15550001111')).toBe('anyone');
    expect(
      resolveId(
        new RouteTable([route('plain', '+1800*', { order: 1 }), route('other', '+1800*', { order: 0 })]),
        '+18005550100',
      ),
    ).toBe('other');
  });

  it('ranks the dialled pattern above the caller pattern', () => {
    const table = new RouteTable([
      route('prefix-with-caller', '+1212*', { caller: '+15550001111' }),
      route('exact', '+12125550100'),
    ]);
    expect(resolveId(table, '+12125550100')).toBe('exact');
  });

  it('skips a row whose window is closed and falls through to the next', () => {
    const table = new RouteTable([
      route('office', '+12125550100', { window: WEEKDAYS_9_TO_5 }),
      route('vip-office', '+12125550100', { caller: '+4930*', window: WEEKDAYS_9_TO_5 }),
      route('weekend', '+12125550100', { order: 200 }),
      route('fallback', '*'),
    ]);
    expect(resolveId(table, '+12125550100')).toBe('office');
    expect(resolveId(table, '+12125550100', '+4930123456')).toBe('vip-office');
    expect(resolveId(table, '+12125550100', '+15550001111', SATURDAY_10)).toBe('weekend');
    expect(resolveId(table, '+12125550100', '+4930123456', SATURDAY_10)).toBe('weekend');

    // With every row of the exact number closed, a prefix takes the call.
    const closedExact = new RouteTable([
      route('office', '+12125550100', { window: WEEKDAYS_9_TO_5 }),
      route('fallback', '*'),
    ]);
    expect(resolveId(closedExact, '+12125550100', '+1', SATURDAY_10)).toBe('fallback');
    // The window reads local time: 08:59 in New York is 13:59Z.
    expect(resolveId(closedExact, '+12125550100', '+1', Date.parse('2026-03-02T13:59:00Z'))).toBe('fallback');
    expect(resolveId(closedExact, '+12125550100', '+1', Date.parse('2026-03-02T14:00:00Z'))).toBe('office');
  });

  it('breaks full ties by id, whatever the input order', () => {
    const rows = [route('b', '+1*'), route('a', '+1*'), route('c', '+1*')];
    expect(resolveId(new RouteTable(rows), '+15550001111')).toBe('a');
    expect(resolveId(new RouteTable([...rows].reverse()), '+15550001111')).toBe('a');
  });

  it('returns the route itself, destination and all', () => {
    const row = route('r', '+1*', { destination: { kind: 'hangup', reason: 'busy' } });
    expect(new RouteTable([row]).resolve('+15550001111', 'anonymous', MONDAY_10)).toBe(row);
  });

  it('agrees with a brute-force reading of the precedence rules', () => {
    // Small pseudo-random tables, checked against a plain sort of every row on every lookup.
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const numbers = ['+12125550100', '+12125550199', '+12135550100', '+4930123456', 'PJSIP/1001'];
    const dialledPatterns = [
      '*',
      '+1*',
      '+121*',
      '+1212*',
      '+12125550100',
      '+4930*',
      'PJSIP/1001',
      'PJSIP/*',
    ];
    const callerPatterns = [undefined, undefined, '*', '+1*', '+4930*', '+4930123456', '+12125550199'];
    const rank = (p: string | undefined) => (p === undefined ? -1 : p.endsWith('*') ? p.length - 1 : 1000);
    const matches = (p: string | undefined, value: string) =>
      p === undefined || (p.endsWith('*') ? value.startsWith(p.slice(0, -1)) : value === p);
    for (let round = 0; round < 200; round++) {
      const routes = Array.from({ length: 1 + random(12) }, (_, i) =>
        route(`r${i}`, dialledPatterns[random(dialledPatterns.length)] ?? '*', {
          caller: callerPatterns[random(callerPatterns.length)],
          order: random(4),
          ...(random(3) === 0 ? { window: WEEKDAYS_9_TO_5 } : {}),
        }),
      );
      const table = new RouteTable(routes);
      for (const dialled of numbers) {
        for (const caller of numbers) {
          for (const at of [MONDAY_10, SATURDAY_10]) {
            const open = (r: InboundRoute) => r.window === undefined || at === MONDAY_10;
            const expected = routes
              .filter((r) => matches(r.dialled, dialled) && matches(r.caller, caller) && open(r))
              .sort(
                (a, b) =>
                  rank(b.dialled) - rank(a.dialled) ||
                  rank(b.caller) - rank(a.caller) ||
                  a.order - b.order ||
                  (a.id < b.id ? -1 : 1),
              )[0];
            expect(table.resolve(dialled, caller, at)?.id, `${dialled} from ${caller}`).toBe(expected?.id);
          }
        }
      }
    }
  });
});
