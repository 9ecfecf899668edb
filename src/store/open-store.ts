import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  sql,
} from 'kysely';
import pg from 'pg';
import type { AgentProfile } from '../core/agent.ts';
import { SwitchboardError } from '../core/errors.ts';
import type { QueueConfig } from '../core/queue.ts';
import type { InboundRoute } from '../core/routing.ts';
import { createAgentSessionRepository } from './agent-sessions.ts';
import { createAgentStateLogRepository } from './agent-state-log.ts';
import { createApiKeyRepository } from './api-keys.ts';
import { auditParams, createAuditLogRepository } from './audit-log.ts';
import { createCallGroupAlertRepository } from './call-group-alerts.ts';
import { createCallRecordRepository, upsertCalls } from './call-records.ts';
import { createCampaignContactRepository, createDncRepository } from './campaign-contacts.ts';
import { createConfigRepository } from './config-repository.ts';
import { createEventLogRepository, insertEvents } from './event-log.ts';
import { createIdempotencyRepository } from './idempotency-keys.ts';
import { createFlowRepository } from './ivr-flows.ts';
import { createJobQueue } from './jobs.ts';
import { migrateToLatest, pendingMigrations } from './migrate.ts';
import { createOutboundCallRepository } from './outbound-calls.ts';
import { createConnectorStateRepository, createPbxCallRepository } from './pbx-calls.ts';
import { createRecordingRepository } from './recordings.ts';
import type { Database } from './schema.ts';
import { startCheckpointer } from './sqlite-checkpointer.ts';
import { COMMIT_STATEMENTS, inProcessCommit, sqliteCommit } from './sqlite-commit.ts';
import { withStatementCache } from './sqlite-statements.ts';
import { type SqliteWriter, startSqliteWriter } from './sqlite-writer.ts';
import type { AuditEntry, Store, StoreConfig, StoredDocument, StoreKind } from './types.ts';
import { createWebhookDeliveryRepository, insertDeliveries } from './webhook-deliveries.ts';

/** Pages in the write-ahead log before the main connection checkpoints by itself (about 40 MB). */
const BACKSTOP_CHECKPOINT_PAGES = 10_000;
/** How long a writer waits for SQLite's lock before failing with SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;
/** Without a bound, `pg` waits forever for an unreachable server and start-up just hangs. */
const PG_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens the configured backend, migrates it to the latest schema, and returns the Store. `owner` names
 * this process among those sharing the database (see Store.owner); the host name by default.
 */
export async function openStore(config: StoreConfig, options: { owner?: string } = {}): Promise<Store> {
  const owner = options.owner ?? hostname();
  const opened: {
    db: Kysely<Database>;
    schema?: string;
    beforeClose?: () => Promise<void>;
    commit?: Store['commit'];
    appendAudit?: (entries: readonly AuditEntry[]) => Promise<void>;
  } = config.kind === 'sqlite' ? openSqlite(config.file, owner) : await openPostgres(config);
  const { db, schema, beforeClose, commit, appendAudit } = opened;
  try {
    await migrateToLatest(db as Kysely<unknown>, config.kind, schema);
  } catch (error) {
    await beforeClose?.();
    await db.destroy();
    throw error;
  }
  return assembleStore(db, config.kind, owner, { beforeClose, backendCommit: commit, schema, appendAudit });
}

function openSqlite(
  file: string,
  owner: string,
): {
  db: Kysely<Database>;
  schema?: string;
  beforeClose?: () => Promise<void>;
  commit: Store['commit'];
  appendAudit?: (entries: readonly AuditEntry[]) => Promise<void>;
} {
  const inMemory = file === ':memory:' || file === '';
  if (!inMemory) mkdirSync(dirname(file), { recursive: true });
  const database = new SqliteDatabase(file);
  try {
    // WAL lets readers proceed during a write; NORMAL in WAL mode survives a process crash, which is
    // the failure this store must ride out, at a fraction of FULL's fsync cost.
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    // Checkpoints run on their own thread (see sqlite-checkpointer.ts); this is only the backstop.
    if (!inMemory) database.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
  } catch (error) {
    database.close();
    throw error;
  }
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(database) }),
  });
  if (inMemory) return { db, commit: inProcessCommit(db, database, owner) };
  const checkpointer = startCheckpointer(file, SQLITE_BUSY_TIMEOUT_MS);
  // Started lazily: its statements need the tables, which exist only once the store is migrated.
  let writer: SqliteWriter | undefined;
  let commit: Store['commit'] | undefined;
  const startedWriter = () => {
    writer ??= startSqliteWriter(
      file,
      { busyTimeoutMs: SQLITE_BUSY_TIMEOUT_MS, autocheckpointPages: BACKSTOP_CHECKPOINT_PAGES },
      COMMIT_STATEMENTS,
    );
    return writer;
  };
  return {
    db,
    commit: (batch) => {
      commit ??= sqliteCommit(startedWriter(), owner);
      return commit(batch);
    },
    appendAudit: (entries) => startedWriter().write([], [], [], entries.map(auditParams)),
    beforeClose: async () => {
      await writer?.stop();
      await checkpointer.stop();
    },
  };
}

async function openPostgres(config: Extract<StoreConfig, { kind: 'postgres' }>) {
  const pool = new pg.Pool({ connectionString: config.url, connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS });
  // An idle client that loses its server emits on the pool; without a listener Node would crash the
  // process. The pool discards that client and the next query connects afresh, so nothing is lost.
  pool.on('error', () => {});
  const schema = config.schema;
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({
      pool,
      // Set per connection rather than through the URL's `options`, which a URL could override.
      ...(schema === undefined
        ? {}
        : {
            onCreateConnection: async (connection) => {
              await connection.executeQuery(CompiledQuery.raw(`set search_path to ${quoteIdent(schema)}`));
            },
          }),
    }),
  });
  try {
    if (schema !== undefined) {
      await createSchemaIfMissing(db, schema);
      return { db, schema };
    }
    // Kysely's migrator looks for its tables in any schema unless told which, so name the current one.
    const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
    const current = rows[0]?.schema;
    if (!current) throw new Error('PostgreSQL has no current schema; set search_path or pass a schema.');
    return { db, schema: current };
  } catch (error) {
    await db.destroy();
    throw error;
  }
}

async function createSchemaIfMissing(db: Kysely<Database>, schema: string): Promise<void> {
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (error) {
    // Two processes starting together can both pass the "if not exists" check; the loser's unique
    // violation means the schema is there, which is all that was wanted.
    if ((error as { code?: string }).code !== '23505') throw error;
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function assembleStore(
  db: Kysely<Database>,
  kind: StoreKind,
  owner: string,
  {
    beforeClose,
    backendCommit,
    schema,
    appendAudit,
  }: {
    beforeClose?: (() => Promise<void>) | undefined;
    backendCommit?: Store['commit'] | undefined;
    schema?: string | undefined;
    appendAudit?: ((entries: readonly AuditEntry[]) => Promise<void>) | undefined;
  },
): Store {
  let closed = false;
  let closing: Promise<void> | undefined;
  const useDb = () => {
    if (closed) throw new SwitchboardError('API_UNAVAILABLE', 'The store is closed; the server is stopping.');
    return db;
  };
  return {
    kind,
    owner,
    calls: createCallRecordRepository(useDb, owner),
    async commit(batch) {
      if (batch.calls.length === 0 && batch.events.length === 0) return;
      if (backendCommit) {
        useDb();
        await backendCommit(batch);
        return;
      }
      await useDb()
        .transaction()
        .execute(async (trx) => {
          await upsertCalls(trx, batch.calls, owner, 'progress');
          await insertEvents(trx, batch.events);
          if (batch.deliveries?.length) await insertDeliveries(trx, batch.deliveries);
        });
    },
    async check() {
      return { pendingMigrations: await pendingMigrations(useDb() as Kysely<unknown>, kind, schema) };
    },
    events: createEventLogRepository(useDb),
    agents: createConfigRepository<AgentProfile>(useDb, 'agents'),
    queues: createConfigRepository<QueueConfig>(useDb, 'queues'),
    routes: createConfigRepository<InboundRoute>(useDb, 'inbound_routes'),
    agentStates: createAgentStateLogRepository(useDb),
    emergencies: createConfigRepository<StoredDocument>(useDb, 'emergencies'),
    audit: createAuditLogRepository(
      useDb,
      appendAudit &&
        (async (entries) => {
          useDb(); // a closed store refuses, as its queries do
          await appendAudit(entries);
        }),
    ),
    flows: createFlowRepository(useDb, kind),
    idempotency: createIdempotencyRepository(useDb),
    recordings: createRecordingRepository(useDb),
    apiKeys: createApiKeyRepository(useDb),
    agentSessions: createAgentSessionRepository(useDb),
    webhookSubscriptions: createConfigRepository<StoredDocument>(useDb, 'webhook_subscriptions'),
    webhookDeliveries: createWebhookDeliveryRepository(useDb),
    campaigns: createConfigRepository<StoredDocument>(useDb, 'campaigns'),
    campaignContacts: createCampaignContactRepository(useDb),
    dnc: createDncRepository(useDb),
    jobs: createJobQueue(useDb, kind),
    outboundCalls: createOutboundCallRepository(useDb),
    pbxCalls: createPbxCallRepository(useDb),
    callGroupAlerts: createCallGroupAlertRepository(useDb),
    connectorState: createConnectorStateRepository(useDb),
    close() {
      closed = true;
      closing ??= (async () => {
        await beforeClose?.();
        await db.destroy();
      })();
      return closing;
    },
  };
}

/**
 * SQLite whose transactions take the write lock when they begin (`begin immediate`). The writer thread
 * commits on its own connection; a deferred transaction that read first and then wrote (an import
 * looking for its row) failed at once with "database is locked" when a commit had landed in between,
 * since SQLite cannot upgrade a stale read. Begun immediate, it waits for the lock (busy_timeout).
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}
