import type { Kysely, Selectable } from 'kysely';
import { checkLimit } from './checks.ts';
import { type Database, toNumber, type UseDb, type WebhookDeliveriesTable } from './schema.ts';
import type {
  DeliveryState,
  OutboxEntry,
  StoredDelivery,
  WebhookDeliveryRepository,
} from './webhook-types.ts';

const MAX_DUE = 1000;
const MAX_LIST = 500;
/** 9 bound parameters per row, far below either backend's limit. */
const ROWS_PER_INSERT = 1000;

/** Inserts outbox rows; the caller decides the transaction (the event's own commit). */
export async function insertDeliveries(db: Kysely<Database>, entries: readonly OutboxEntry[]): Promise<void> {
  for (let start = 0; start < entries.length; start += ROWS_PER_INSERT) {
    await db
      .insertInto('webhook_deliveries')
      .values(entries.slice(start, start + ROWS_PER_INSERT).map(deliveryRow))
      .execute();
  }
}

/** The same insert as one SQL text for SQLite's prepared statements (see sqlite-commit.ts). */
export const INSERT_DELIVERY_SQL = `insert into webhook_deliveries (id, subscription_id, event_seq, order_key,
  state, attempts, next_attempt_ms, window_start_ms, created_at_ms) values (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`;

/** An outbox entry bound in the order of {@link INSERT_DELIVERY_SQL}. */
export function deliveryParams(entry: OutboxEntry): (string | number | null)[] {
  return [
    entry.id,
    entry.subscriptionId,
    entry.eventSeq,
    entry.orderKey,
    entry.firstAttemptMs ?? entry.createdAtMs,
    entry.createdAtMs,
    entry.createdAtMs,
  ];
}

function deliveryRow(entry: OutboxEntry) {
  return {
    id: entry.id,
    subscription_id: entry.subscriptionId,
    event_seq: entry.eventSeq,
    order_key: entry.orderKey,
    state: 'pending',
    attempts: 0,
    next_attempt_ms: entry.firstAttemptMs ?? entry.createdAtMs,
    window_start_ms: entry.createdAtMs,
    created_at_ms: entry.createdAtMs,
  };
}

/** The outbox repository over either backend. */
export function createWebhookDeliveryRepository(useDb: UseDb): WebhookDeliveryRepository {
  return {
    async due(now, limit, subscriptionIds, horizon = now) {
      if (subscriptionIds.length === 0) return [];
      const rows = await useDb()
        .selectFrom('webhook_deliveries as d')
        .innerJoin('events as e', 'e.seq', 'd.event_seq')
        .selectAll('d')
        .select(['e.body', 'e.type as event_type'])
        .where('d.subscription_id', 'in', [...subscriptionIds])
        .where('d.state', '=', 'pending')
        .where('d.next_attempt_ms', '<=', horizon)
        .where((eb) => eb.or([eb('d.lease_until_ms', 'is', null), eb('d.lease_until_ms', '<=', now)]))
        // Only the head of each lane: a later event of a call waits for the earlier one to settle.
        .where((eb) =>
          eb.or([
            eb('d.order_key', 'is', null),
            eb.not(
              eb.exists(
                eb
                  .selectFrom('webhook_deliveries as p')
                  .select('p.id')
                  .whereRef('p.subscription_id', '=', 'd.subscription_id')
                  .whereRef('p.order_key', '=', 'd.order_key')
                  .where('p.state', '=', 'pending')
                  .whereRef('p.event_seq', '<', 'd.event_seq'),
              ),
            ),
          ]),
        )
        .orderBy('d.event_seq', 'asc')
        .limit(checkLimit(limit, MAX_DUE))
        .execute();
      return rows.map((row) => ({ ...fromRow(row), eventType: row.event_type, body: row.body }));
    },

    async lease(id, now, until) {
      const result = await useDb()
        .updateTable('webhook_deliveries')
        .set({ lease_until_ms: until })
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .where((eb) => eb.or([eb('lease_until_ms', 'is', null), eb('lease_until_ms', '<=', now)]))
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },

    async settle(id, outcome) {
      await useDb()
        .updateTable('webhook_deliveries')
        .set({
          state: outcome.state,
          attempts: outcome.attempts,
          next_attempt_ms: outcome.nextAttemptMs,
          lease_until_ms: null,
          last_attempt_ms: outcome.lastAttemptMs,
          last_status: outcome.lastStatus ?? null,
          last_error: outcome.lastError ?? null,
          last_response: outcome.lastResponse ?? null,
          duration_ms: outcome.durationMs,
          delivered_at_ms: outcome.deliveredAtMs ?? null,
        })
        .where('id', '=', id)
        .execute();
    },

    async get(id) {
      const row = await useDb()
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row && fromRow(row);
    },

    async list(subscriptionId, { state, beforeSeq, limit }) {
      let query = useDb()
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('subscription_id', '=', subscriptionId);
      if (state !== undefined) query = query.where('state', '=', state);
      if (beforeSeq !== undefined) query = query.where('event_seq', '<', beforeSeq);
      const rows = await query
        .orderBy('event_seq', 'desc')
        .orderBy('id', 'asc')
        .limit(checkLimit(limit, MAX_LIST))
        .execute();
      return rows.map(fromRow);
    },

    async figures(subscriptionId) {
      const rows = await useDb()
        .selectFrom('webhook_deliveries')
        .select((eb) => [
          'state',
          eb.fn.countAll<number | string>().as('count'),
          eb.fn.sum<number | string | null>('attempts').as('attempts'),
          eb.fn.avg<number | string | null>('duration_ms').as('mean'),
          eb.fn.max<number | string | null>('delivered_at_ms').as('last'),
        ])
        .where('subscription_id', '=', subscriptionId)
        .groupBy('state')
        .execute();
      const of = (state: DeliveryState) => rows.find((r) => r.state === state);
      const delivered = of('delivered');
      const mean = delivered?.mean == null ? undefined : Math.round(toNumber(delivered.mean));
      return {
        pending: count(of('pending')?.count),
        delivered: count(delivered?.count),
        dead: count(of('dead')?.count),
        attempts: rows.reduce((sum, r) => sum + count(r.attempts), 0),
        ...(mean !== undefined && { meanDurationMs: mean }),
        ...(delivered?.last != null && { lastDeliveredAtMs: toNumber(delivered.last) }),
      };
    },

    async redeliver(subscriptionId, now, ids) {
      let query = useDb()
        .updateTable('webhook_deliveries')
        .set({ state: 'pending', next_attempt_ms: now, window_start_ms: now, lease_until_ms: null })
        .where('subscription_id', '=', subscriptionId);
      query =
        ids === undefined
          ? query.where('state', '=', 'dead')
          : query.where('id', 'in', ids.length > 0 ? [...ids] : ['']).where('state', '!=', 'pending');
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async nextDue(subscriptionIds) {
      if (subscriptionIds.length === 0) return undefined;
      const row = await useDb()
        .selectFrom('webhook_deliveries')
        .select((eb) => eb.fn.min('next_attempt_ms').as('next'))
        .where('subscription_id', 'in', [...subscriptionIds])
        .where('state', '=', 'pending')
        .executeTakeFirst();
      return row?.next == null ? undefined : toNumber(row.next);
    },

    async deleteFor(subscriptionId) {
      const result = await useDb()
        .deleteFrom('webhook_deliveries')
        .where('subscription_id', '=', subscriptionId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async purge(before) {
      const result = await useDb()
        .deleteFrom('webhook_deliveries')
        .where('state', '=', 'delivered')
        .where('delivered_at_ms', '<', before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function count(value: number | string | null | undefined): number {
  return value == null ? 0 : toNumber(value);
}

function fromRow(row: Selectable<WebhookDeliveriesTable>): StoredDelivery {
  const optional = (value: number | string | null) => (value === null ? undefined : toNumber(value));
  const lastAttemptMs = optional(row.last_attempt_ms);
  const durationMs = optional(row.duration_ms);
  const deliveredAtMs = optional(row.delivered_at_ms);
  return {
    id: row.id,
    subscriptionId: row.subscription_id,
    eventSeq: toNumber(row.event_seq),
    orderKey: row.order_key,
    state: row.state as DeliveryState,
    attempts: row.attempts,
    nextAttemptMs: toNumber(row.next_attempt_ms),
    windowStartMs: toNumber(row.window_start_ms),
    createdAtMs: toNumber(row.created_at_ms),
    ...(lastAttemptMs !== undefined && { lastAttemptMs }),
    ...(row.last_status !== null && { lastStatus: row.last_status }),
    ...(row.last_error !== null && { lastError: row.last_error }),
    ...(row.last_response !== null && { lastResponse: row.last_response }),
    ...(durationMs !== undefined && { durationMs }),
    ...(deliveredAtMs !== undefined && { deliveredAtMs }),
  };
}
