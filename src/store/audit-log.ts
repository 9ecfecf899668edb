import { checkLimit, instant } from './checks.ts';
import { toNumber, type UseDb } from './schema.ts';
import type { AuditEntry, AuditLogRepository } from './types.ts';

const MAX_LIMIT = 10_000;
/** 5 bound parameters per row, far below either backend's limit. */
const ROWS_PER_INSERT = 1000;

/** The audit trail over either backend. */
export function createAuditLogRepository(useDb: UseDb): AuditLogRepository {
  const row = (entry: AuditEntry) => ({
    topic: entry.topic,
    action: entry.action,
    at: entry.at,
    at_ms: instant(entry.at, 'at'),
    detail: JSON.stringify(entry.detail),
  });
  return {
    async append(entry) {
      await useDb().insertInto('audit_log').values(row(entry)).execute();
    },

    async appendMany(entries) {
      const rows = entries.map(row);
      for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
        await useDb()
          .insertInto('audit_log')
          .values(rows.slice(start, start + ROWS_PER_INSERT))
          .execute();
      }
    },

    async list(topic, limit) {
      const rows = await useDb()
        .selectFrom('audit_log')
        .select(['topic', 'action', 'at', 'detail'])
        .where('topic', '=', topic)
        .orderBy('id', 'asc')
        .limit(checkLimit(limit, MAX_LIMIT))
        .execute();
      return rows.map((r) => ({ topic: r.topic, action: r.action, at: r.at, detail: JSON.parse(r.detail) }));
    },

    async search({ topic, since, until, before, limit }) {
      let query = useDb().selectFrom('audit_log').select(['id', 'topic', 'action', 'at', 'detail']);
      if (topic !== undefined) query = query.where('topic', '=', topic);
      if (since !== undefined) query = query.where('at_ms', '>=', instant(since, 'since'));
      if (until !== undefined) query = query.where('at_ms', '<', instant(until, 'until'));
      if (before !== undefined) query = query.where('id', '<', before);
      const rows = await query.orderBy('id', 'desc').limit(checkLimit(limit, MAX_LIMIT)).execute();
      return rows.map((r) => ({
        id: toNumber(r.id),
        topic: r.topic,
        action: r.action,
        at: r.at,
        detail: JSON.parse(r.detail),
      }));
    },
  };
}
