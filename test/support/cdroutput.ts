import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A 3CX v20 CDR database for tests: a `cdroutput` table in a schema of its own on the test PostgreSQL,
 * and rows built the way 3CX writes them (ids in its UUID form, times to the microsecond).
 */

export const PG_URL = process.env.SWITCHBOARD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DDL = readFileSync(join(import.meta.dirname, '..', 'fixtures', '3cx', 'cdroutput-v20.sql'), 'utf8');

/** A segment; unset columns are null, as 3CX leaves what does not apply. */
export interface Segment {
  cdr_id?: string;
  call_history_id: string;
  source_entity_type: string;
  source_dn_number?: string;
  source_dn_type?: string;
  source_dn_name?: string;
  source_participant_phone_number?: string;
  destination_entity_type: string;
  destination_dn_number?: string;
  destination_dn_type?: string;
  destination_dn_name?: string;
  destination_participant_phone_number?: string;
  creation_method?: string;
  creation_forward_reason?: string;
  termination_reason?: string;
  termination_reason_details?: string;
  continued_in_cdr_id?: string;
  originating_cdr_id?: string;
  cdr_started_at: string;
  cdr_answered_at?: string;
  cdr_ended_at: string;
}

let counter = 0;
/** A 3CX-style id: four zero bytes, then the time, then a counter. */
export function threecxId(): string {
  counter += 1;
  const hex = `${Date.now().toString(16).padStart(16, '0')}${counter.toString(16).padStart(8, '0')}`;
  return `00000000-${hex.slice(0, 4)}-${hex.slice(4, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 24)}`;
}

export class CdrDatabase {
  readonly schema = `tcx_${process.pid}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  private readonly client = new pg.Client({ connectionString: PG_URL });

  get table(): string {
    return `${this.schema}.cdroutput`;
  }

  async open(withTable = true): Promise<this> {
    await this.client.connect();
    await this.client.query(`create schema "${this.schema}"`);
    if (withTable) await this.createTable();
    return this;
  }

  async createTable(): Promise<void> {
    await this.client.query(`set search_path to "${this.schema}"`);
    await this.client.query(DDL);
  }

  /** Inserts segments as 3CX does (a repeated one is simply inserted twice); answers their ids. */
  async insert(...segments: Segment[]): Promise<string[]> {
    const ids: string[] = [];
    for (const segment of segments) {
      const row = {
        cdr_id: threecxId(),
        main_call_history_id: segment.call_history_id,
        processed: true,
        ...segment,
      };
      const columns = Object.keys(row);
      await this.client.query(
        `insert into "${this.schema}".cdroutput (${columns.join(', ')}) values (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
        Object.values(row),
      );
      ids.push(row.cdr_id);
    }
    return ids;
  }

  /** Any statement on the PBX's database (a table appearing, for instance). */
  async query(text: string): Promise<void> {
    await this.client.query(text);
  }

  async close(): Promise<void> {
    await this.client.query(`drop schema if exists "${this.schema}" cascade`);
    await this.client.end();
  }
}
