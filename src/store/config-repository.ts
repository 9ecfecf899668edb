import type { DocumentTableName, UseDb } from './schema.ts';
import type { ConfigRepository } from './types.ts';

/**
 * A keyed-document repository over either backend, for one of the configuration tables. The document
 * is stored as JSON exactly as saved, so what was validated at the edge is what reads back.
 */
export function createConfigRepository<T extends { readonly id: string }>(
  useDb: UseDb,
  table: DocumentTableName,
): ConfigRepository<T> {
  return {
    async save(item) {
      await useDb()
        .insertInto(table)
        .values({ id: item.id, document: JSON.stringify(item) })
        .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({ document: eb.ref('excluded.document') })))
        .execute();
    },

    async get(id) {
      const row = await useDb().selectFrom(table).select('document').where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : (JSON.parse(row.document) as T);
    },

    async list() {
      const rows = await useDb().selectFrom(table).select('document').orderBy('id', 'asc').execute();
      return rows.map((row) => JSON.parse(row.document) as T);
    },

    async delete(id) {
      const result = await useDb().deleteFrom(table).where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}
