import { checkLimit, instant } from './checks.ts';
import type { UseDb } from './schema.ts';
import type { AuditLogRepository } from './types.ts';

const MAX_LIMIT = 10_000;

/** The audit trail over either backend. */
export function createAuditLogRepository(useDb: UseDb): AuditLogRepository {
  return {
    async append(entry) {
      await useDb()
        .insertInto('audit_log')
        .values({
          topic: entry.topic,
          action: entry.action,
          at: entry.at,
          at_ms: instant(entry.at, 'at'),
          detail: JSON.stringify(entry.detail),
        })
        .execute();
    },

    async list(topic, limit) {
      const rows = await useDb()
        .selectFrom('audit_log')
        .select(['topic', 'action', 'at', 'detail'])
        .where('topic', '=', topic)
        .orderBy('id', 'asc')
        .limit(checkLimit(limit, MAX_LIMIT))
        .execute();
      return rows.map((row) => ({
        topic: row.topic,
        action: row.action,
        at: row.at,
        detail: JSON.parse(row.detail),
      }));
    },
  };
}
