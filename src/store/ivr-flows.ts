import { sql } from 'kysely';
import { toNumber, type UseDb } from './schema.ts';
import type { FlowRepository, StoredFlow, StoreKind } from './types.ts';

/** Versioned IVR flows over either backend. */
export function createFlowRepository(useDb: UseDb, kind: StoreKind): FlowRepository {
  return {
    add(flow) {
      return useDb()
        .transaction()
        .execute(async (trx) => {
          // Two uploads of one flow must not both read the same latest version. SQLite runs one
          // transaction at a time; PostgreSQL needs a lock, per flow so that other flows go on.
          if (kind === 'postgres') {
            await sql`select pg_advisory_xact_lock(hashtext(${`ivr_flows:${flow.id}`}))`.execute(trx);
          }
          const row = await trx
            .selectFrom('ivr_flows')
            .select((eb) => eb.fn.max('version').as('latest'))
            .where('id', '=', flow.id)
            .executeTakeFirst();
          const version = toNumber(row?.latest ?? 0) + 1;
          await trx
            .insertInto('ivr_flows')
            .values({
              id: flow.id,
              version,
              definition: JSON.stringify(flow.definition),
              created_at: flow.createdAt,
            })
            .execute();
          return { ...flow, version };
        });
    },

    async get(id, version) {
      let query = useDb().selectFrom('ivr_flows').selectAll().where('id', '=', id);
      query =
        version === undefined
          ? query.orderBy('version', 'desc').limit(1)
          : query.where('version', '=', version);
      const row = await query.executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    async list() {
      const rows = await useDb()
        .selectFrom('ivr_flows as f')
        .selectAll('f')
        .where('f.version', '=', (eb) =>
          eb
            .selectFrom('ivr_flows as g')
            .select((g) => g.fn.max('g.version').as('latest'))
            .whereRef('g.id', '=', 'f.id'),
        )
        .orderBy('f.id', 'asc')
        .execute();
      return rows.map(fromRow);
    },

    async versions(id) {
      const rows = await useDb()
        .selectFrom('ivr_flows')
        .select(['id', 'version', 'created_at'])
        .where('id', '=', id)
        .orderBy('version', 'asc')
        .execute();
      return rows.map((row) => ({ id: row.id, version: toNumber(row.version), createdAt: row.created_at }));
    },
  };
}

function fromRow(row: { id: string; version: number; definition: string; created_at: string }): StoredFlow {
  return {
    id: row.id,
    version: toNumber(row.version),
    definition: JSON.parse(row.definition),
    createdAt: row.created_at,
  };
}
