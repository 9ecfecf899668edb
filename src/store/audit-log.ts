import { checkLimit, instant } from './checks.ts';
import { toNumber, type UseDb } from './schema.ts';
import type { AuditEntry, AuditLogRepository } from './types.ts';

const MAX_LIMIT = 10_000;
/** 5 bound parameters per row, far below either backend's limit. */
const ROWS_PER_INSERT = 1000;

/** An entry as its row. */
function row(entry: AuditEntry) {
  return {
    topic: entry.topic,
    action: entry.action,
    at: entry.at,
    at_ms: instant(entry.at, 'at'),
    detail: JSON.stringify(entry.detail),
  };
}

/** The insert of one entry as one SQL text, for the SQLite writer thread (see sqlite-commit.ts). */
export const INSERT_AUDIT_SQL =
  'insert into audit_log (topic, action, at, at_ms, detail) values (?, ?, ?, ?, ?)';

/** An entry bound in the order of {@link INSERT_AUDIT_SQL}. */
export function auditParams(entry: AuditEntry): (string | number)[] {
  const r = row(entry);
  return [r.topic, r.action, r.at, r.at_ms, r.detail];
}

/**
 * The audit trail over either backend. `appendRows`, when given, writes entries instead of this
 * connection (the SQLite writer thread: an audit entry follows nearly every request, and a write on
 * the event loop can stall it while a checkpoint syncs).
 */
export function createAuditLogRepository(
  useDb: UseDb,
  appendRows?: (entries: readonly AuditEntry[]) => Promise<void>,
): AuditLogRepository {
  return {
    async append(entry) {
      if (appendRows) return appendRows([entry]);
      await useDb().insertInto('audit_log').values(row(entry)).execute();
    },

    async appendMany(entries) {
      if (appendRows) return appendRows(entries);
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
