import { type Kysely, Migrator } from 'kysely';
import { migrations } from './migrations.ts';
import type { StoreKind } from './types.ts';

/**
 * Kysely's migrator over the migrations in code. Branches developed side by side may ship their
 * migrations out of name order (011 merged after 013): a database that has a later one and lacks an
 * earlier one gets the earlier one rather than refusing to start.
 */
function migratorFor(db: Kysely<unknown>, kind: StoreKind, schema?: string): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations(kind) },
    allowUnorderedMigrations: true,
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
}

/**
 * Brings the database up to the latest migration. `schema` names where PostgreSQL keeps Kysely's own
 * bookkeeping tables; the connection's search_path must point at the same schema.
 */
export async function migrateToLatest(db: Kysely<unknown>, kind: StoreKind, schema?: string): Promise<void> {
  const migrator = migratorFor(db, kind, schema);
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (error === undefined) return;
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    // Kysely's set-up looks for its tables through every schema of the database; another schema dropped
    // in that instant (another process's, another test's) fails the look-up. Nothing was migrated: look again.
    if (failed === undefined && attempt < 3 && isVanishedRelation(error)) continue;
    throw new Error(`Store migration ${failed ?? '(setup)'} failed: ${describe(error)}`, { cause: error });
  }
}

/** PostgreSQL's "relation does not exist" (42P01) or "schema does not exist" (3F000). */
function isVanishedRelation(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === '42P01' || code === '3F000';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** How many of the known migrations the database has not applied (0 once it is current). */
export async function pendingMigrations(
  db: Kysely<unknown>,
  kind: StoreKind,
  schema?: string,
): Promise<number> {
  const migrator = migratorFor(db, kind, schema);
  const all = await migrator.getMigrations();
  return all.filter((m) => m.executedAt === undefined).length;
}
