import type { Kysely } from 'kysely';
import { type Database, toNumber, type UseDb } from './schema.ts';
import type { OutboundCallRepository, StoredOutboundCall } from './types.ts';

const MAX_LIST = 10_000;

/** The outbound service's call logs over either backend. */
export function createOutboundCallRepository(useDb: UseDb): OutboundCallRepository {
  const documents = () => useDb().selectFrom('outbound_calls').select(['document', 'created_at_ms', 'id']);
  const parse = (rows: { document: string }[]) =>
    rows.map((r) => JSON.parse(r.document) as StoredOutboundCall);
  return {
    async save(log) {
      await upsert(useDb(), [log]);
    },

    async saveAll(logs) {
      if (logs.length === 0) return;
      await useDb()
        .transaction()
        .execute(async (trx) => {
          // Chunks keep each statement under SQLite's bound-parameter limit.
          for (let i = 0; i < logs.length; i += 500) await upsert(trx, logs.slice(i, i + 500));
        });
    },

    async get(id) {
      const row = await documents().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : (JSON.parse(row.document) as StoredOutboundCall);
    },

    async retriesOf(id) {
      const rows = await documents()
        .where('retry_of', '=', id)
        .orderBy('created_at_ms', 'asc')
        .orderBy('id', 'asc')
        .limit(MAX_LIST)
        .execute();
      return parse(rows);
    },

    async withStatus(statuses) {
      if (statuses.length === 0) return [];
      const rows = await documents()
        .where('status', 'in', statuses)
        .orderBy('created_at_ms', 'asc')
        .orderBy('id', 'asc')
        .limit(MAX_LIST)
        .execute();
      return parse(rows);
    },

    async countWithStatus(statuses) {
      if (statuses.length === 0) return 0;
      const row = await useDb()
        .selectFrom('outbound_calls')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('status', 'in', statuses)
        .executeTakeFirstOrThrow();
      return toNumber(row.n as number | string);
    },
  };
}

async function upsert(db: Kysely<Database>, logs: readonly StoredOutboundCall[]): Promise<void> {
  await db
    .insertInto('outbound_calls')
    .values(
      logs.map((log) => ({
        id: log.id,
        status: log.status,
        retry_of: log.retryOf ?? null,
        call_id: log.callId ?? null,
        created_at_ms: log.createdAtMs,
        document: JSON.stringify(log),
      })),
    )
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({
        status: eb.ref('excluded.status'),
        retry_of: eb.ref('excluded.retry_of'),
        call_id: eb.ref('excluded.call_id'),
        created_at_ms: eb.ref('excluded.created_at_ms'),
        document: eb.ref('excluded.document'),
      })),
    )
    .execute();
}
