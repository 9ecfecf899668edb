import type { UseDb } from './schema.ts';
import type { ApiKeyRepository, StoredApiKey } from './types.ts';

/** API keys over either backend, found by the SHA-256 digest of the key (the key itself is never kept). */
export function createApiKeyRepository(useDb: UseDb): ApiKeyRepository {
  return {
    async add(key, digest) {
      await useDb()
        .insertInto('api_keys')
        .values({ id: key.id, digest, document: JSON.stringify(key), revoked_at_ms: null })
        .execute();
    },

    async byDigest(digest) {
      const row = await useDb()
        .selectFrom('api_keys')
        .select('document')
        .where('digest', '=', digest)
        .executeTakeFirst();
      return row === undefined ? undefined : (JSON.parse(row.document) as StoredApiKey);
    },

    async list() {
      const rows = await useDb().selectFrom('api_keys').select('document').orderBy('id', 'asc').execute();
      return rows.map((row) => JSON.parse(row.document) as StoredApiKey);
    },

    async revoke(id, at) {
      const row = await useDb()
        .selectFrom('api_keys')
        .select('document')
        .where('id', '=', id)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      const key = JSON.parse(row.document) as StoredApiKey;
      if (key.revokedAt !== undefined) return key;
      const revoked = { ...key, revokedAt: at };
      await useDb()
        .updateTable('api_keys')
        .set({ document: JSON.stringify(revoked), revoked_at_ms: Date.parse(at) })
        .where('id', '=', id)
        .execute();
      return revoked;
    },

    async count() {
      const row = await useDb()
        .selectFrom('api_keys')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
  };
}
