import type { UseDb } from './schema.ts';
import { toNumber } from './schema.ts';
import type { OutboundCallRepository, StoredOutboundCall } from './types.ts';

const MAX_LIST = 10_000;

/** The outbound service's call logs over either backend. */
export function createOutboundCallRepository(useDb: UseDb): OutboundCallRepository {
  const documents = () => useDb().selectFrom('outbound_calls').select(['document', 'created_at_ms', 'id']);
  const parse = (rows: { document: string }[]) =>
    rows.map((r) => JSON.parse(r.document) as StoredOutboundCall);
  return {
    async save(log) {
      const row = {
        id: log.id,
        status: log.status,
        retry_of: log.retryOf ?? null,
        call_id: log.callId ?? null,
        created_at_ms: log.createdAtMs,
        document: JSON.stringify(log),
      };
      const { id: _key, ...changes } = row;
      await useDb()
        .insertInto('outbound_calls')
        .values(row)
        .onConflict((oc) => oc.column('id').doUpdateSet(changes))
        .execute();
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
