/**
 * The webhook outbox as the store keeps it. A delivery is one event for one subscription: written in
 * the same commit as the event (see `Store.commit`), then sent, retried and settled by the delivery
 * worker. Every implementation passes the same suite (`test/store-webhooks.test.ts`).
 */

/** `pending` until sent with a 2xx answer (`delivered`) or given up on (`dead`, the dead-letter list). */
export type DeliveryState = 'pending' | 'delivered' | 'dead';

/** A delivery as the event's commit writes it. */
export interface OutboxEntry {
  readonly id: string;
  readonly subscriptionId: string;
  readonly eventSeq: number;
  /**
   * Deliveries of one subscription sharing a key (the call's id) go out one at a time, in seq order;
   * `null` for events about no call, which need no order.
   */
  readonly orderKey: string | null;
  readonly createdAtMs: number;
  /** When the first attempt falls due; the commit (`createdAtMs`) unless the subscription gathers a batch. */
  readonly firstAttemptMs?: number;
}

/** A delivery and how it stands. Instants are epoch ms. */
export interface StoredDelivery {
  readonly id: string;
  readonly subscriptionId: string;
  readonly eventSeq: number;
  readonly orderKey: string | null;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly nextAttemptMs: number;
  /** Retries stop a set time after this: the commit, or the last redelivery. */
  readonly windowStartMs: number;
  readonly createdAtMs: number;
  readonly lastAttemptMs?: number;
  /** The last answer's HTTP status; absent when no answer came (refused, timed out). */
  readonly lastStatus?: number;
  readonly lastError?: string;
  /** The start of the last answer's body. */
  readonly lastResponse?: string;
  /** How long the last attempt took. */
  readonly durationMs?: number;
  readonly deliveredAtMs?: number;
}

/** A delivery ready to send, with its event as the log holds it (JSON). */
export interface DueDelivery extends StoredDelivery {
  readonly eventType: string;
  readonly body: string;
}

/** The outcome of one attempt. */
export interface AttemptOutcome {
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly nextAttemptMs: number;
  readonly lastAttemptMs: number;
  readonly lastStatus?: number;
  readonly lastError?: string;
  readonly lastResponse?: string;
  readonly durationMs: number;
  readonly deliveredAtMs?: number;
}

/** How a subscription's deliveries stand. */
export interface DeliveryFigures {
  readonly pending: number;
  readonly delivered: number;
  readonly dead: number;
  /** Attempts made, successful or not. */
  readonly attempts: number;
  /** Mean duration of the successful attempts (ms), absent before the first. */
  readonly meanDurationMs?: number;
  readonly lastDeliveredAtMs?: number;
}

/**
 * The outbox.
 * - `due` answers pending deliveries of the given subscriptions whose next attempt is due by
 *   `horizon` (default `now`; later when draining) and that no process holds at `now`, each the oldest pending delivery of its lane (subscription and order
 *   key), in seq order, at most `limit` (1..1000).
 * - `lease` takes a pending delivery for this process until `until`, atomically across processes
 *   sharing the database: of concurrent leases of one delivery exactly one answers true.
 * - `settle` writes an attempt's outcome and ends the lease.
 * - `list` answers one subscription's deliveries, newest first, optionally of one state, before a seq.
 * - `redeliver` makes dead (or delivered) deliveries of a subscription pending again, due at `now`
 *   with a new retry window; all dead ones when `ids` is absent. Answers how many.
 * - `nextDue` answers the earliest next attempt among pending deliveries of the subscriptions, if any.
 * - `deleteFor` removes every delivery of a subscription; `purge` delivered ones settled before `before`.
 */
export interface WebhookDeliveryRepository {
  due(
    now: number,
    limit: number,
    subscriptionIds: readonly string[],
    horizon?: number,
  ): Promise<DueDelivery[]>;
  lease(id: string, now: number, until: number): Promise<boolean>;
  settle(id: string, outcome: AttemptOutcome): Promise<void>;
  get(id: string): Promise<StoredDelivery | undefined>;
  list(
    subscriptionId: string,
    filter: { readonly state?: DeliveryState; readonly beforeSeq?: number; readonly limit: number },
  ): Promise<StoredDelivery[]>;
  figures(subscriptionId: string): Promise<DeliveryFigures>;
  redeliver(subscriptionId: string, now: number, ids?: readonly string[]): Promise<number>;
  nextDue(subscriptionIds: readonly string[]): Promise<number | undefined>;
  deleteFor(subscriptionId: string): Promise<number>;
  purge(before: number): Promise<number>;
}
