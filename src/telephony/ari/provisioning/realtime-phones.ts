import pg from 'pg';

/**
 * PJSIP phones in Asterisk's realtime database: one row each in `ps_endpoints`, `ps_auths` and
 * `ps_aors` under the same id (the extension), as Asterisk's own database migrations
 * (contrib/ast-db-manage) lay them out. Asterisk reads them on the next registration or call; no
 * reload is needed for realtime (sorcery) objects.
 */

/** What a phone is, for the PBX. */
export interface PhoneSpec {
  /** The extension: the id of the endpoint, its auth and its AOR, and the SIP user name. */
  readonly extension: string;
  /** The SIP digest password the phone registers with. */
  readonly password: string;
  /** Dialplan context of calls the phone makes (default `from-internal`). */
  readonly context?: string;
  /** PJSIP transport name (default: Asterisk's choice, none written). */
  readonly transport?: string;
  /** Codecs allowed, in order of preference (default `ulaw,alaw`). */
  readonly codecs?: readonly string[];
}

export interface RealtimePhonesOptions {
  /** PostgreSQL URL of the database Asterisk's `res_config_pgsql` / ODBC reads. */
  readonly url: string;
  /** Schema the ps_* tables live in (default `public`). */
  readonly schema?: string;
  readonly defaults?: Pick<PhoneSpec, 'context' | 'transport' | 'codecs'>;
}

/** What the connection check found. */
export type RealtimeCheck =
  | { readonly reachable: true; readonly tables: readonly string[] }
  | { readonly reachable: false; readonly error: string };

const TABLES = ['ps_endpoints', 'ps_auths', 'ps_aors'] as const;
const EXTENSION = /^[A-Za-z0-9_.+-]{1,40}$/;
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Writes and removes phones in Asterisk's realtime tables. */
export class RealtimePhones {
  private readonly pool: pg.Pool;
  private readonly schema: string;

  constructor(private readonly options: RealtimePhonesOptions) {
    this.schema = options.schema ?? 'public';
    if (!IDENTIFIER.test(this.schema))
      throw new Error(`realtime schema "${this.schema}" is not a plain name`);
    this.pool = new pg.Pool({ connectionString: options.url, max: 2, connectionTimeoutMillis: 5_000 });
    this.pool.on('error', () => undefined);
  }

  /** Creates or replaces the phone's endpoint, auth and AOR in one transaction. */
  async put(phone: PhoneSpec): Promise<void> {
    const id = checkExtension(phone.extension);
    if (!phone.password) throw new Error(`phone ${id} needs a password`);
    const defaults = this.options.defaults ?? {};
    const codecs = phone.codecs ?? defaults.codecs ?? ['ulaw', 'alaw'];
    await this.transaction(async (db) => {
      await upsert(db, this.table('ps_aors'), {
        id,
        max_contacts: 1,
        remove_existing: 'yes',
      });
      await upsert(db, this.table('ps_auths'), {
        id,
        auth_type: 'userpass',
        username: id,
        password: phone.password,
      });
      await upsert(db, this.table('ps_endpoints'), {
        id,
        transport: phone.transport ?? defaults.transport ?? null,
        aors: id,
        auth: id,
        context: phone.context ?? defaults.context ?? 'from-internal',
        disallow: 'all',
        allow: codecs.join(','),
        direct_media: 'no',
        rtp_symmetric: 'yes',
        force_rport: 'yes',
        rewrite_contact: 'yes',
      });
    });
  }

  /** Removes the phone's endpoint, auth and AOR; a phone that is not there is not an error. */
  async remove(extension: string): Promise<void> {
    const id = checkExtension(extension);
    await this.transaction(async (db) => {
      for (const table of TABLES) await db.query(`delete from ${this.table(table)} where id = $1`, [id]);
    });
  }

  /** Whether the database answers and which of the three tables it has. */
  async check(): Promise<RealtimeCheck> {
    try {
      const found = await this.pool.query<{ table_name: string }>(
        'select table_name from information_schema.tables where table_schema = $1 and table_name = any($2)',
        [this.schema, [...TABLES]],
      );
      return { reachable: true, tables: found.rows.map((r) => r.table_name).sort() };
    } catch (error) {
      return { reachable: false, error: (error as Error).message };
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  private table(name: (typeof TABLES)[number]): string {
    return `"${this.schema}"."${name}"`;
  }

  private async transaction(work: (db: pg.PoolClient) => Promise<void>): Promise<void> {
    const db = await this.pool.connect();
    try {
      await db.query('begin');
      await work(db);
      await db.query('commit');
    } catch (error) {
      await db.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      db.release();
    }
  }
}

/** `insert ... on conflict (id) do update`: the row ends as given, other columns untouched. */
async function upsert(db: pg.PoolClient, table: string, row: Record<string, string | number | null>) {
  const columns = Object.keys(row);
  const values = columns.map((_, i) => `$${i + 1}`);
  const updates = columns.filter((c) => c !== 'id').map((c) => `${c} = excluded.${c}`);
  await db.query(
    `insert into ${table} (${columns.join(', ')}) values (${values.join(', ')}) on conflict (id) do update set ${updates.join(', ')}`,
    Object.values(row),
  );
}

function checkExtension(extension: string): string {
  if (!EXTENSION.test(extension)) {
    throw new Error(`"${extension}" cannot be a PJSIP id: use 1 to 40 letters, digits, _ . + -`);
  }
  return extension;
}
