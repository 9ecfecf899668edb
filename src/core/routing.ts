import type { CallPriority, Weekday } from './queue.ts';
import type { RecordingPolicy } from './recording.ts';

/**
 * Where an inbound call goes. `app`: nobody in Switchboard takes it; it rings until the business
 * application answers or transfers it through the API (the default when no route matches).
 */
export type RouteDestination =
  | { readonly kind: 'app' }
  | { readonly kind: 'queue'; readonly queueId: string; readonly priority?: CallPriority }
  | { readonly kind: 'agent'; readonly agentId: string }
  | { readonly kind: 'ivr'; readonly flowId: string }
  | { readonly kind: 'number'; readonly to: string }
  | { readonly kind: 'hangup'; readonly reason: 'rejected' | 'busy' | 'invalid_number' };

/**
 * One row of the inbound routing table. Rows are tried most specific first: an exact dialled number
 * before a prefix (`+1212555*`), a longer prefix before a shorter one, then a row with a caller pattern
 * before one without, then lower `order`. The catch-all `*` is the configured default.
 */
export interface InboundRoute {
  readonly id: string;
  /** Dialled number or endpoint: exact, or a prefix ending in `*`. */
  readonly dialled: string;
  /** Caller number: exact, or a prefix ending in `*`; absent matches any caller. */
  readonly caller?: string;
  /** Only while open: local weekly hours in a time zone; absent means always. */
  readonly window?: {
    readonly timeZone: string;
    readonly weekly: Readonly<Partial<Record<Weekday, readonly string[]>>>;
  };
  readonly order: number;
  readonly destination: RouteDestination;
  /** Whether (and what share of) the calls this row routes are recorded once answered. */
  readonly recording?: RecordingPolicy;
}
