import type { UseDb } from './schema.ts';
import { toNumber } from './schema.ts';
import type { ConnectorStateRepository, PbxCallRepository, StoredPbxCall } from './types.ts';

type Row = {
  pbx_call_id: string;
  call_id: string;
  owner_email: string | null;
  received_at_ms: number | string;
  completed_at: string | null;
  document: string;
};

function fromRow(row: Row): StoredPbxCall {
  return {
    pbxCallId: row.pbx_call_id,
    callId: row.call_id,
    ownerEmail: row.owner_email,
    receivedAt: new Date(toNumber(row.received_at_ms)).toISOString(),
    ...(row.completed_at !== null && { completedAt: row.completed_at }),
    document: JSON.parse(row.document) as Record<string, unknown>,
  };
}

/** PBX calls over either backend. */
export function createPbxCallRepository(useDb: UseDb): PbxCallRepository {
  const get = async (pbxCallId: string) => {
    const row = await useDb()
      .selectFrom('pbx_calls')
      .selectAll()
      .where('pbx_call_id', '=', pbxCallId)
      .executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  };
  return {
    async add(call) {
      const result = await useDb()
        .insertInto('pbx_calls')
        .values({
          pbx_call_id: call.pbxCallId,
          call_id: call.callId,
          owner_email: call.ownerEmail,
          received_at_ms: Date.parse(call.receivedAt),
          completed_at: call.completedAt ?? null,
          document: JSON.stringify(call.document),
        })
        .onConflict((oc) => oc.column('pbx_call_id').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async update(pbxCallId, document, ownerEmail) {
      await useDb()
        .updateTable('pbx_calls')
        .set({ document: JSON.stringify(document), owner_email: ownerEmail })
        .where('pbx_call_id', '=', pbxCallId)
        .execute();
    },
    get,
    async pending({ ownerEmail, limit }) {
      let query = useDb().selectFrom('pbx_calls').selectAll().where('completed_at', 'is', null);
      if (ownerEmail !== undefined) query = query.where('owner_email', '=', ownerEmail);
      const rows = await query
        .orderBy('received_at_ms', 'asc')
        .orderBy('pbx_call_id', 'asc')
        .limit(limit)
        .execute();
      return rows.map(fromRow);
    },
    async complete(pbxCallId, at) {
      await useDb()
        .updateTable('pbx_calls')
        .set({ completed_at: at })
        .where('pbx_call_id', '=', pbxCallId)
        .where('completed_at', 'is', null)
        .execute();
      return get(pbxCallId);
    },
  };
}

/** Connector state over either backend: an upsert per key. */
export function createConnectorStateRepository(useDb: UseDb): ConnectorStateRepository {
  return {
    async get(key) {
      const row = await useDb()
        .selectFrom('connector_state')
        .select('value')
        .where('key', '=', key)
        .executeTakeFirst();
      return row?.value;
    },
    async set(key, value) {
      await useDb()
        .insertInto('connector_state')
        .values({ key, value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute();
    },
  };
}
