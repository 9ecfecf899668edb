import type { InboundRoute } from '../../core/routing.ts';
import { windowOpen } from './business-hours.ts';

/** How specific a caller pattern is: exact beats any prefix, a longer prefix a shorter, any pattern none. */
const EXACT = Number.POSITIVE_INFINITY;
const NO_CALLER = -1;

interface Row {
  readonly route: InboundRoute;
  /** Exact caller, or the prefix before `*`. */
  readonly caller: string | undefined;
  readonly callerExact: boolean;
  readonly callerRank: number;
}

/**
 * The inbound routing table, indexed once so that a lookup never sorts or scans every row. Rows are
 * bucketed by their dialled pattern (exact numbers in one map, prefixes by prefix), and each bucket
 * is kept in precedence order; a lookup tries the exact bucket, then the prefixes of the dialled
 * number from the longest configured length down, and in each bucket the first row whose caller
 * pattern matches and whose window is open wins.
 */
export class RouteTable {
  private readonly exact = new Map<string, Row[]>();
  private readonly prefixes = new Map<string, Row[]>();
  /** The distinct prefix lengths configured, longest first (0 is the catch-all `*`). */
  private readonly prefixLengths: number[];
  readonly size: number;

  constructor(routes: readonly InboundRoute[]) {
    const lengths = new Set<number>();
    for (const route of routes) {
      const row = toRow(route);
      if (route.dialled.endsWith('*')) {
        const prefix = route.dialled.slice(0, -1);
        lengths.add(prefix.length);
        bucket(this.prefixes, prefix).push(row);
      } else {
        bucket(this.exact, route.dialled).push(row);
      }
    }
    for (const rows of [...this.exact.values(), ...this.prefixes.values()]) rows.sort(byPrecedence);
    this.prefixLengths = [...lengths].sort((a, b) => b - a);
    this.size = routes.length;
  }

  /** The route for a call to `dialled` from `caller` at `at` (epoch ms), or undefined when none applies. */
  resolve(dialled: string, caller: string, at: number): InboundRoute | undefined {
    const exact = this.exact.get(dialled);
    const found = exact === undefined ? undefined : firstMatch(exact, caller, at);
    if (found !== undefined) return found;
    for (const length of this.prefixLengths) {
      if (length > dialled.length) continue;
      const rows = this.prefixes.get(dialled.slice(0, length));
      const match = rows === undefined ? undefined : firstMatch(rows, caller, at);
      if (match !== undefined) return match;
    }
    return undefined;
  }
}

function toRow(route: InboundRoute): Row {
  const pattern = route.caller;
  if (pattern === undefined) return { route, caller: undefined, callerExact: false, callerRank: NO_CALLER };
  if (!pattern.endsWith('*')) return { route, caller: pattern, callerExact: true, callerRank: EXACT };
  const prefix = pattern.slice(0, -1);
  return { route, caller: prefix, callerExact: false, callerRank: prefix.length };
}

function bucket(map: Map<string, Row[]>, key: string): Row[] {
  let rows = map.get(key);
  if (rows === undefined) {
    rows = [];
    map.set(key, rows);
  }
  return rows;
}

/** More specific caller first, then lower `order`, then id so that equal rows resolve the same way every time. */
function byPrecedence(a: Row, b: Row): number {
  if (a.callerRank !== b.callerRank) return b.callerRank - a.callerRank;
  if (a.route.order !== b.route.order) return a.route.order - b.route.order;
  return a.route.id < b.route.id ? -1 : a.route.id > b.route.id ? 1 : 0;
}

function firstMatch(rows: readonly Row[], caller: string, at: number): InboundRoute | undefined {
  for (const row of rows) {
    if (
      row.caller !== undefined &&
      !(row.callerExact ? caller === row.caller : caller.startsWith(row.caller))
    ) {
      continue;
    }
    if (windowOpen(row.route.window, at)) return row.route;
  }
  return undefined;
}
