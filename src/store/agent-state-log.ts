import type { Insertable } from 'kysely';
import type { AgentState } from '../core/agent.ts';
import { checkLimit, instant } from './checks.ts';
import type { AgentStateLogTable, UseDb } from './schema.ts';
import type { AgentStateEntry, AgentStateLogRepository } from './types.ts';

/** Reports read whole shifts of state changes, so the cap is well above the call-record page size. */
const MAX_LIMIT = 10_000;
/** 7 bound parameters per row: 1000 rows stay far below SQLite's limit of 32 766 per statement. */
const ROWS_PER_INSERT = 1000;

/** The agent-state log over either backend. */
export function createAgentStateLogRepository(useDb: UseDb): AgentStateLogRepository {
  return {
    async append(entries) {
      if (entries.length === 0) return;
      // Convert everything first, so that one bad instant rejects the batch before anything is written.
      const rows = entries.map(toRow);
      const db = useDb();
      if (rows.length <= ROWS_PER_INSERT) {
        await db.insertInto('agent_state_log').values(rows).execute();
        return;
      }
      await db.transaction().execute(async (trx) => {
        for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
          await trx
            .insertInto('agent_state_log')
            .values(rows.slice(start, start + ROWS_PER_INSERT))
            .execute();
        }
      });
    },

    async list(filter) {
      const limit = checkLimit(filter.limit, MAX_LIMIT);
      let query = useDb()
        .selectFrom('agent_state_log')
        .select(['agent_id', 'state', 'reason', 'call_id', 'at']);
      const agentId = filter.agentId;
      if (agentId !== undefined) query = query.where('agent_id', '=', agentId);
      if (filter.since !== undefined) query = query.where('at_ms', '>=', instant(filter.since, 'since'));
      if (filter.until !== undefined) query = query.where('at_ms', '<', instant(filter.until, 'until'));
      const rows = await query.orderBy('at_ms', 'asc').orderBy('id', 'asc').limit(limit).execute();
      return rows.map(
        (row): AgentStateEntry => ({
          agentId: row.agent_id,
          state: row.state as AgentState,
          ...(row.reason === null ? {} : { reason: row.reason }),
          ...(row.call_id === null ? {} : { callId: row.call_id }),
          at: row.at,
        }),
      );
    },
  };
}

function toRow(entry: AgentStateEntry): Insertable<AgentStateLogTable> {
  return {
    agent_id: entry.agentId,
    state: entry.state,
    reason: entry.reason ?? null,
    call_id: entry.callId ?? null,
    at: entry.at,
    at_ms: instant(entry.at, 'at'),
  };
}
