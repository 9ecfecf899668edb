import type { UseDb } from './schema.ts';
import type { CallGroupAlertRepository, StoredCallGroupAlert } from './types.ts';

const parse = (row: { document: string }) => JSON.parse(row.document) as StoredCallGroupAlert;

/** Call-group alerts over either backend; a partial unique index keeps one active per group and type. */
export function createCallGroupAlertRepository(useDb: UseDb): CallGroupAlertRepository {
  const get = async (id: string) => {
    const row = await useDb()
      .selectFrom('call_group_alerts')
      .select('document')
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : parse(row);
  };
  return {
    async raise(alert) {
      // No conflict target: the partial unique index (active alerts) is the one that may conflict.
      const result = await useDb()
        .insertInto('call_group_alerts')
        .values({
          id: alert.id,
          call_group_id: alert.callGroupId,
          alert_type: alert.alertType,
          is_active: 1,
          created_at_ms: Date.parse(alert.createdAt),
          document: JSON.stringify({ ...alert, isActive: true, resolvedAt: null }),
        })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) > 0) {
        return { alert: { ...alert, isActive: true, resolvedAt: null }, created: true };
      }
      const active = await useDb()
        .selectFrom('call_group_alerts')
        .select('document')
        .where('call_group_id', '=', alert.callGroupId)
        .where('alert_type', '=', alert.alertType)
        .where('is_active', '=', 1)
        .executeTakeFirst();
      // Resolved between the insert and this read: the caller may raise again.
      if (active === undefined) throw new Error('the active alert was resolved meanwhile; raise again');
      return { alert: parse(active), created: false };
    },
    async resolve(id, at) {
      const current = await get(id);
      if (current === undefined || !current.isActive) return current;
      const resolved = { ...current, isActive: false, resolvedAt: at };
      await useDb()
        .updateTable('call_group_alerts')
        .set({ is_active: 0, document: JSON.stringify(resolved) })
        .where('id', '=', id)
        .where('is_active', '=', 1)
        .execute();
      return get(id);
    },
    get,
    async list({ active, callGroupId, limit }) {
      let query = useDb().selectFrom('call_group_alerts').select('document');
      if (active !== undefined) query = query.where('is_active', '=', active ? 1 : 0);
      if (callGroupId !== undefined) query = query.where('call_group_id', '=', callGroupId);
      const rows = await query.orderBy('created_at_ms', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return rows.map(parse);
    },
  };
}
