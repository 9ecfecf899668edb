import { toNumber, type UseDb } from './schema.ts';
import type { IdempotencyClaim, IdempotencyRepository } from './types.ts';

/** A claim that loses this many races in a row reports the key as running rather than spin. */
const MAX_CLAIM_ATTEMPTS = 5;

/**
 * Idempotency keys over either backend. A claim is an insert that does nothing on conflict, and a
 * takeover of an expired or abandoned row is a compare-and-set on the row's owner and age: both are
 * atomic on SQLite and PostgreSQL alike, so no lock or transaction is needed.
 */
export function createIdempotencyRepository(useDb: UseDb): IdempotencyRepository {
  const byKey = (scope: string, key: string) =>
    useDb().updateTable('idempotency_keys').where('scope', '=', scope).where('key', '=', key);

  return {
    async claim(request): Promise<IdempotencyClaim> {
      const { scope, key, fingerprint, owner, now } = request;
      const running = { fingerprint, owner, state: 'running', status: null, body: null, created_at_ms: now };
      for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
        const inserted = await useDb()
          .insertInto('idempotency_keys')
          .values({ scope, key, ...running })
          .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return { kind: 'claimed' };

        const row = await useDb()
          .selectFrom('idempotency_keys')
          .selectAll()
          .where('scope', '=', scope)
          .where('key', '=', key)
          .executeTakeFirst();
        if (row === undefined) continue; // released or purged meanwhile: insert again
        const createdAt = toNumber(row.created_at_ms);
        const over =
          createdAt < request.expiredBefore ||
          (row.state === 'running' && createdAt < request.abandonedBefore);
        if (!over) {
          return row.state === 'done'
            ? {
                kind: 'done',
                fingerprint: row.fingerprint,
                answer: { status: row.status ?? 0, body: row.body ?? '' },
              }
            : { kind: 'running', fingerprint: row.fingerprint };
        }
        const taken = await byKey(scope, key)
          .set(running)
          .where('owner', '=', row.owner)
          .where('created_at_ms', '=', createdAt)
          .executeTakeFirst();
        if (Number(taken.numUpdatedRows) > 0) return { kind: 'claimed' };
      }
      return { kind: 'running', fingerprint };
    },

    async complete(scope, key, owner, answer) {
      await byKey(scope, key)
        .set({ state: 'done', status: answer.status, body: answer.body })
        .where('owner', '=', owner)
        .execute();
    },

    async release(scope, key, owner) {
      await useDb()
        .deleteFrom('idempotency_keys')
        .where('scope', '=', scope)
        .where('key', '=', key)
        .where('owner', '=', owner)
        .where('state', '=', 'running')
        .execute();
    },

    async purge(before) {
      const result = await useDb()
        .deleteFrom('idempotency_keys')
        .where('created_at_ms', '<', before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
