import { toNumber, type UseDb } from './schema.ts';
import type { AgentSessionRepository } from './types.ts';

/** Agents' passwords and console sessions over either backend. */
export function createAgentSessionRepository(useDb: UseDb): AgentSessionRepository {
  return {
    async setPassword(agentId, hash) {
      await useDb()
        .insertInto('agent_passwords')
        .values({ agent_id: agentId, hash })
        .onConflict((oc) => oc.column('agent_id').doUpdateSet({ hash }))
        .execute();
    },

    async passwordHash(agentId) {
      const row = await useDb()
        .selectFrom('agent_passwords')
        .select('hash')
        .where('agent_id', '=', agentId)
        .executeTakeFirst();
      return row?.hash;
    },

    async addSession(session, digest) {
      await useDb()
        .insertInto('agent_sessions')
        .values({
          id: session.id,
          digest,
          agent_id: session.agentId,
          created_at_ms: session.createdAtMs,
          expires_at_ms: session.expiresAtMs,
          revoked_at_ms: null,
        })
        .execute();
    },

    async sessionByDigest(digest) {
      const row = await useDb()
        .selectFrom('agent_sessions')
        .selectAll()
        .where('digest', '=', digest)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        id: row.id,
        agentId: row.agent_id,
        createdAtMs: toNumber(row.created_at_ms),
        expiresAtMs: toNumber(row.expires_at_ms),
        ...(row.revoked_at_ms !== null && { revokedAtMs: toNumber(row.revoked_at_ms) }),
      };
    },

    async revokeSession(id, atMs) {
      const result = await useDb()
        .updateTable('agent_sessions')
        .set({ revoked_at_ms: atMs })
        .where('id', '=', id)
        .where('revoked_at_ms', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },

    async purgeSessions(before) {
      const result = await useDb()
        .deleteFrom('agent_sessions')
        .where('expires_at_ms', '<', before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
