import type { TimerHandle } from '../../core/clock.ts';
import type { CallPriority } from '../../core/queue.ts';

/** A caller waiting in one queue. */
export interface WaitingCall {
  readonly callId: string;
  readonly queueId: string;
  readonly priority: CallPriority;
  readonly enteredAt: number;
  /** Offers in flight: leg id -> agent id. More than one only for ring-all. */
  readonly offers: Map<string, string>;
  /** Agents who missed this call; skipped until every free member has had a turn. */
  readonly missedBy: Set<string>;
  /** Max-wait (overflow) timer. */
  timer: TimerHandle | undefined;
  /** Set while the caller sits out after offers that could not be made; it is offered again when it fires. */
  retry: TimerHandle | undefined;
  /** Offer attempts in a row that could not be made; the back-off grows with it. */
  failures: number;
  /** Insertion order, for a stable tie-break. */
  readonly order: number;
  /** Time-invariant rank (see {@link rankOf}). */
  readonly rank: number;
  /** The position this caller was last told (`queue.entered`, `queue.position`). */
  announced: number;
}

const LEVEL: Record<CallPriority, number> = { normal: 0, high: 1, emergency: 0 };

/**
 * Priority with ageing: a caller's effective level grows by one per `agingMs` waited. Because every
 * caller ages at the same rate, comparing `level * agingMs - enteredAt` gives the same order at any
 * moment, so the list is kept sorted once instead of re-sorted as time passes. Emergencies go first.
 */
export function rankOf(priority: CallPriority, enteredAt: number, agingMs: number): number {
  if (priority === 'emergency') return Number.POSITIVE_INFINITY;
  return LEVEL[priority] * agingMs - enteredAt;
}

/** A queue's callers in offer order; the caller returned by a failed offer keeps its place. */
export class WaitingList {
  private readonly calls: WaitingCall[] = [];

  get size(): number {
    return this.calls.length;
  }

  /** Inserts in rank order (binary search: O(log n) compares). */
  add(call: WaitingCall): void {
    let lo = 0;
    let hi = this.calls.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(this.calls[mid]!, call)) lo = mid + 1;
      else hi = mid;
    }
    this.calls.splice(lo, 0, call);
  }

  remove(callId: string): WaitingCall | undefined {
    const index = this.calls.findIndex((c) => c.callId === callId);
    if (index < 0) return undefined;
    return this.calls.splice(index, 1)[0];
  }

  /** 1-based position, or 0 when not here. */
  position(callId: string): number {
    return this.calls.findIndex((c) => c.callId === callId) + 1;
  }

  /** The first caller with no offer in flight and not backing off. */
  nextToOffer(): WaitingCall | undefined {
    return this.calls.find((c) => c.offers.size === 0 && c.retry === undefined);
  }

  oldest(): WaitingCall | undefined {
    let oldest: WaitingCall | undefined;
    for (const c of this.calls) if (!oldest || c.enteredAt < oldest.enteredAt) oldest = c;
    return oldest;
  }

  all(): readonly WaitingCall[] {
    return this.calls;
  }
}

function before(a: WaitingCall, b: WaitingCall): boolean {
  return a.rank > b.rank || (a.rank === b.rank && a.order < b.order);
}
