import { type Kysely, type Migration, sql } from 'kysely';
import type { StoreKind } from './types.ts';

/**
 * Migrations live in code rather than in a folder so that they ship inside the bundle and need no
 * file-system lookup at start-up. Names sort lexically; never rename or edit one that has shipped.
 */
export function migrations(kind: StoreKind): Record<string, Migration> {
  return {
    '001_calls_and_events': {
      async up(db: Kysely<unknown>) {
        // Keyset pagination compares ids; byte order keeps that identical across backends, whereas
        // PostgreSQL's default collation depends on the server's locale.
        const idCollation = kind === 'postgres' ? sql`collate "C"` : sql``;
        // In SQLite only `integer primary key` becomes the rowid, which spares a second index.
        const seqType = kind === 'sqlite' ? 'integer' : 'bigint';

        await db.schema
          .createTable('calls')
          .addColumn('id', 'text', (col) => col.primaryKey().modifyFront(idCollation))
          .addColumn('direction', 'text', (col) => col.notNull())
          .addColumn('status', 'text', (col) => col.notNull())
          .addColumn('from_address', 'text', (col) => col.notNull())
          .addColumn('to_address', 'text', (col) => col.notNull())
          .addColumn('started_at_ms', 'bigint', (col) => col.notNull())
          .addColumn('answered_at_ms', 'bigint')
          .addColumn('ended_at_ms', 'bigint')
          .addColumn('end_reason', 'text')
          .addColumn('snapshot', 'text', (col) => col.notNull())
          .execute();
        // Every list is ordered by (started_at_ms, id); each filter leads its own index with that tail.
        await db.schema
          .createIndex('calls_started_idx')
          .on('calls')
          .columns(['started_at_ms', 'id'])
          .execute();
        await db.schema
          .createIndex('calls_status_started_idx')
          .on('calls')
          .columns(['status', 'started_at_ms', 'id'])
          .execute();
        await db.schema
          .createIndex('calls_from_started_idx')
          .on('calls')
          .columns(['from_address', 'started_at_ms', 'id'])
          .execute();
        await db.schema
          .createIndex('calls_to_started_idx')
          .on('calls')
          .columns(['to_address', 'started_at_ms', 'id'])
          .execute();

        await db.schema
          .createTable('events')
          .addColumn('seq', seqType, (col) => col.primaryKey())
          .addColumn('id', 'text', (col) => col.notNull().unique())
          .addColumn('type', 'text', (col) => col.notNull())
          .addColumn('timestamp', 'text', (col) => col.notNull())
          .addColumn('call_id', 'text')
          .addColumn('body', 'text', (col) => col.notNull())
          .execute();
        await db.schema.createIndex('events_call_id_idx').on('events').column('call_id').execute();
      },
    },
    '002_contact_centre': {
      async up(db: Kysely<unknown>) {
        // Lists order by id; byte order keeps that the same on both backends (see 001).
        const idCollation = kind === 'postgres' ? sql`collate "C"` : sql``;
        // Configuration is read whole and validated at the edge, so a JSON document per id is enough:
        // a new optional field needs no migration.
        for (const table of ['agents', 'queues', 'inbound_routes']) {
          await db.schema
            .createTable(table)
            .addColumn('id', 'text', (col) => col.primaryKey().modifyFront(idCollation))
            .addColumn('document', 'text', (col) => col.notNull())
            .execute();
        }

        await db.schema
          .createTable('agent_state_log')
          // SQLite's `integer primary key` numbers rows itself; PostgreSQL needs a sequence for that.
          .addColumn('id', kind === 'sqlite' ? 'integer' : 'bigserial', (col) => col.primaryKey())
          .addColumn('agent_id', 'text', (col) => col.notNull().modifyFront(idCollation))
          .addColumn('state', 'text', (col) => col.notNull())
          .addColumn('reason', 'text')
          .addColumn('call_id', 'text')
          .addColumn('at', 'text', (col) => col.notNull())
          .addColumn('at_ms', 'bigint', (col) => col.notNull())
          .execute();
        // Reports read one agent's history over a period, or every agent's over a period.
        await db.schema
          .createIndex('agent_state_log_agent_at_idx')
          .on('agent_state_log')
          .columns(['agent_id', 'at_ms', 'id'])
          .execute();
        await db.schema
          .createIndex('agent_state_log_at_idx')
          .on('agent_state_log')
          .columns(['at_ms', 'id'])
          .execute();
      },
    },
    '003_emergencies_and_audit': {
      async up(db: Kysely<unknown>) {
        const idCollation = kind === 'postgres' ? sql`collate "C"` : sql``;
        await db.schema
          .createTable('emergencies')
          .addColumn('id', 'text', (col) => col.primaryKey().modifyFront(idCollation))
          .addColumn('document', 'text', (col) => col.notNull())
          .execute();
        await db.schema
          .createTable('audit_log')
          .addColumn('id', kind === 'sqlite' ? 'integer' : 'bigserial', (col) => col.primaryKey())
          .addColumn('topic', 'text', (col) => col.notNull().modifyFront(idCollation))
          .addColumn('action', 'text', (col) => col.notNull())
          .addColumn('at', 'text', (col) => col.notNull())
          .addColumn('at_ms', 'bigint', (col) => col.notNull())
          .addColumn('detail', 'text', (col) => col.notNull())
          .execute();
        // An audit trail is read per subject (one emergency), in order.
        await db.schema.createIndex('audit_log_topic_idx').on('audit_log').columns(['topic', 'id']).execute();
      },
    },
    '004_ivr_flows': {
      async up(db: Kysely<unknown>) {
        const idCollation = kind === 'postgres' ? sql`collate "C"` : sql``;
        // Versions are rows, never updated: a caller in version 3 finishes in it while 4 is uploaded.
        await db.schema
          .createTable('ivr_flows')
          .addColumn('id', 'text', (col) => col.notNull().modifyFront(idCollation))
          .addColumn('version', 'integer', (col) => col.notNull())
          .addColumn('definition', 'text', (col) => col.notNull())
          .addColumn('created_at', 'text', (col) => col.notNull())
          .addPrimaryKeyConstraint('ivr_flows_pk', ['id', 'version'])
          .execute();
      },
    },
    '005_idempotency_keys': {
      async up(db: Kysely<unknown>) {
        const idCollation = kind === 'postgres' ? sql`collate "C"` : sql``;
        await db.schema
          .createTable('idempotency_keys')
          .addColumn('scope', 'text', (col) => col.notNull().modifyFront(idCollation))
          .addColumn('key', 'text', (col) => col.notNull().modifyFront(idCollation))
          .addColumn('fingerprint', 'text', (col) => col.notNull())
          .addColumn('owner', 'text', (col) => col.notNull())
          .addColumn('state', 'text', (col) => col.notNull())
          .addColumn('status', 'integer')
          .addColumn('body', 'text')
          .addColumn('created_at_ms', 'bigint', (col) => col.notNull())
          .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
          .execute();
        // Expired keys are purged by age.
        await db.schema
          .createIndex('idempotency_keys_created_idx')
          .on('idempotency_keys')
          .column('created_at_ms')
          .execute();
      },
    },
    '008_recordings': {
      async up(db: Kysely<unknown>) {
        const idCollation = kind === 'postgres' ? sql`collate "C"` : sql``;
        await db.schema
          .createTable('recordings')
          .addColumn('id', 'text', (col) => col.primaryKey().modifyFront(idCollation))
          .addColumn('call_id', 'text', (col) => col.notNull().modifyFront(idCollation))
          .addColumn('state', 'text', (col) => col.notNull())
          .addColumn('reason', 'text', (col) => col.notNull())
          .addColumn('started_at', 'text', (col) => col.notNull())
          .addColumn('started_at_ms', 'bigint', (col) => col.notNull())
          .addColumn('ended_at', 'text')
          .addColumn('ended_at_ms', 'bigint')
          .addColumn('duration_ms', 'bigint', (col) => col.notNull())
          .addColumn('file_path', 'text')
          .addColumn('file_size', 'bigint')
          .addColumn('content_type', 'text')
          .addColumn('stored_at', 'text')
          .addColumn('deleted_at', 'text')
          .execute();
        // A call's recordings are listed with the call; retention looks for old ones not yet deleted.
        await db.schema
          .createIndex('recordings_call_idx')
          .on('recordings')
          .columns(['call_id', 'started_at_ms', 'id'])
          .execute();
        await db.schema
          .createIndex('recordings_ended_idx')
          .on('recordings')
          .columns(['ended_at_ms', 'id'])
          .execute();
      },
    },
    '009_outbound': {
      async up(db: Kysely<unknown>) {
        const idCollation = kind === 'postgres' ? sql`collate "C"` : sql``;
        // Durable jobs of every kind (scheduled calls, paced bulk entries, retries; later campaigns).
        await db.schema
          .createTable('jobs')
          .addColumn('id', 'text', (col) => col.primaryKey().modifyFront(idCollation))
          .addColumn('kind', 'text', (col) => col.notNull())
          .addColumn('state', 'text', (col) => col.notNull())
          .addColumn('run_at_ms', 'bigint', (col) => col.notNull())
          .addColumn('priority', 'integer', (col) => col.notNull())
          .addColumn('attempts', 'integer', (col) => col.notNull())
          .addColumn('owner', 'text')
          .addColumn('lease_until_ms', 'bigint')
          .addColumn('payload', 'text', (col) => col.notNull())
          .execute();
        // Claims take the due jobs by priority, then time; the next timer looks for the earliest one.
        await db.schema
          .createIndex('jobs_claim_idx')
          .on('jobs')
          .columns(['kind', 'state', 'priority', 'run_at_ms'])
          .execute();
        await db.schema
          .createIndex('jobs_due_idx')
          .on('jobs')
          .columns(['kind', 'state', 'run_at_ms'])
          .execute();
        // The outbound service's call logs: one per attempt, retries linked to the first by retry_of.
        await db.schema
          .createTable('outbound_calls')
          .addColumn('id', 'text', (col) => col.primaryKey().modifyFront(idCollation))
          .addColumn('status', 'text', (col) => col.notNull())
          .addColumn('retry_of', 'text')
          .addColumn('call_id', 'text')
          .addColumn('created_at_ms', 'bigint', (col) => col.notNull())
          .addColumn('document', 'text', (col) => col.notNull())
          .execute();
        await db.schema
          .createIndex('outbound_calls_retry_idx')
          .on('outbound_calls')
          .columns(['retry_of', 'created_at_ms'])
          .execute();
        await db.schema
          .createIndex('outbound_calls_call_idx')
          .on('outbound_calls')
          .column('call_id')
          .execute();
        await db.schema
          .createIndex('outbound_calls_status_idx')
          .on('outbound_calls')
          .column('status')
          .execute();
      },
    },
    '010_call_log': {
      async up(db: Kysely<unknown>) {
        const idCollation = kind === 'postgres' ? sql`collate "C"` : sql``;
        // Reporting filters by these; each is a column so that it can lead an index, as status does.
        await db.schema
          .alterTable('calls')
          .addColumn('source', 'text', (col) => col.notNull().defaultTo('switchboard'))
          .execute();
        for (const column of ['external_id', 'owner', 'agent_id', 'queue_id']) {
          await db.schema.alterTable('calls').addColumn(column, 'text').execute();
        }
        await db.schema
          .alterTable('calls')
          .addColumn('duration_s', 'bigint', (col) => col.notNull().defaultTo(0))
          .execute();
        // Every party's address between bars (`|+1555…|PJSIP/101|`), for "any party" searches.
        await db.schema
          .alterTable('calls')
          .addColumn('parties', 'text', (col) => col.notNull().defaultTo(''))
          .execute();
        const field = (name: string) =>
          kind === 'postgres'
            ? sql.raw(`(snapshot::json ->> '${name}')`)
            : sql.raw(`json_extract(snapshot, '$.${name}')`);
        await sql`update calls set parties = '|' || from_address || '|' || to_address || '|',
          agent_id = ${field('agentId')}, queue_id = ${field('queueId')},
          duration_s = coalesce(cast(${field('duration')} as bigint), 0)`.execute(db);
        // One record per imported call: an import that runs twice finds its record and updates it.
        await db.schema
          .createIndex('calls_source_external_idx')
          .on('calls')
          .columns(['source', 'external_id'])
          .unique()
          .execute();
        for (const column of ['source', 'agent_id', 'queue_id']) {
          await db.schema
            .createIndex(`calls_${column}_started_idx`)
            .on('calls')
            .columns([column, 'started_at_ms', 'id'])
            .execute();
        }

        // The 3CX connector: where its import stands, the PBX calls users still have to complete, and
        // its call-group alerts.
        await db.schema
          .createTable('connector_state')
          .addColumn('key', 'text', (col) => col.primaryKey().modifyFront(idCollation))
          .addColumn('value', 'text', (col) => col.notNull())
          .execute();
        await db.schema
          .createTable('pbx_calls')
          .addColumn('pbx_call_id', 'text', (col) => col.primaryKey().modifyFront(idCollation))
          .addColumn('call_id', 'text', (col) => col.notNull())
          .addColumn('owner_email', 'text')
          .addColumn('received_at_ms', 'bigint', (col) => col.notNull())
          .addColumn('completed_at', 'text')
          .addColumn('document', 'text', (col) => col.notNull())
          .execute();
        await db.schema
          .createIndex('pbx_calls_pending_idx')
          .on('pbx_calls')
          .columns(['owner_email', 'received_at_ms', 'pbx_call_id'])
          .execute();
        await db.schema
          .createTable('call_group_alerts')
          .addColumn('id', 'text', (col) => col.primaryKey().modifyFront(idCollation))
          .addColumn('call_group_id', 'text', (col) => col.notNull().modifyFront(idCollation))
          .addColumn('alert_type', 'text', (col) => col.notNull())
          .addColumn('is_active', 'integer', (col) => col.notNull())
          .addColumn('created_at_ms', 'bigint', (col) => col.notNull())
          .addColumn('document', 'text', (col) => col.notNull())
          .execute();
        // At most one active alert per group and type, however many processes raise it at once.
        await db.schema
          .createIndex('call_group_alerts_active_idx')
          .on('call_group_alerts')
          .columns(['call_group_id', 'alert_type'])
          .unique()
          .where(sql.ref('is_active'), '=', 1)
          .execute();
        await db.schema
          .createIndex('call_group_alerts_group_idx')
          .on('call_group_alerts')
          .columns(['call_group_id', 'created_at_ms', 'id'])
          .execute();
      },
    },
    '013_campaigns': {
      async up(db: Kysely<unknown>) {
        const idCollation = kind === 'postgres' ? sql`collate "C"` : sql``;
        await db.schema
          .createTable('campaigns')
          .addColumn('id', 'text', (col) => col.primaryKey().modifyFront(idCollation))
          .addColumn('document', 'text', (col) => col.notNull())
          .execute();
        // A contact's row number is its place in the campaign's list (import order): pages follow it.
        await db.schema
          .createTable('campaign_contacts')
          .addColumn('id', 'text', (col) => col.primaryKey().modifyFront(idCollation))
          .addColumn('campaign_id', 'text', (col) => col.notNull().modifyFront(idCollation))
          .addColumn('row_no', 'integer', (col) => col.notNull())
          .addColumn('phone_number', 'text', (col) => col.notNull().modifyFront(idCollation))
          .addColumn('status', 'text', (col) => col.notNull())
          .addColumn('document', 'text', (col) => col.notNull())
          .execute();
        // One number once per campaign: a second import of it is a DUPLICATE, whichever process imports.
        await db.schema
          .createIndex('campaign_contacts_number_idx')
          .on('campaign_contacts')
          .columns(['campaign_id', 'phone_number'])
          .unique()
          .execute();
        await db.schema
          .createIndex('campaign_contacts_row_idx')
          .on('campaign_contacts')
          .columns(['campaign_id', 'row_no'])
          .execute();
        await db.schema
          .createIndex('campaign_contacts_status_idx')
          .on('campaign_contacts')
          .columns(['campaign_id', 'status', 'row_no'])
          .execute();
        await db.schema
          .createTable('dnc_numbers')
          .addColumn('phone_number', 'text', (col) => col.primaryKey().modifyFront(idCollation))
          .addColumn('added_at', 'text', (col) => col.notNull())
          .addColumn('reason', 'text')
          .execute();
      },
    },
    '011_webhooks_and_keys': {
      async up(db: Kysely<unknown>) {
        const idCollation = kind === 'postgres' ? sql`collate "C"` : sql``;
        await db.schema
          .createTable('webhook_subscriptions')
          .addColumn('id', 'text', (col) => col.primaryKey().modifyFront(idCollation))
          .addColumn('document', 'text', (col) => col.notNull())
          .execute();
        // The outbox: one row per (subscription, event), written in the event's own commit. The event's
        // body stays in the event log; a row holds only where it goes and how its delivery stands.
        await db.schema
          .createTable('webhook_deliveries')
          .addColumn('id', 'text', (col) => col.primaryKey().modifyFront(idCollation))
          .addColumn('subscription_id', 'text', (col) => col.notNull().modifyFront(idCollation))
          .addColumn('event_seq', 'bigint', (col) => col.notNull())
          .addColumn('order_key', 'text', (col) => col.modifyFront(idCollation))
          .addColumn('state', 'text', (col) => col.notNull())
          .addColumn('attempts', 'integer', (col) => col.notNull())
          .addColumn('next_attempt_ms', 'bigint', (col) => col.notNull())
          .addColumn('window_start_ms', 'bigint', (col) => col.notNull())
          .addColumn('lease_until_ms', 'bigint')
          .addColumn('last_attempt_ms', 'bigint')
          .addColumn('last_status', 'integer')
          .addColumn('last_error', 'text')
          .addColumn('last_response', 'text')
          .addColumn('duration_ms', 'bigint')
          .addColumn('delivered_at_ms', 'bigint')
          .addColumn('created_at_ms', 'bigint', (col) => col.notNull())
          .execute();
        // The worker looks for what is due; per-call order asks for the oldest pending one of a call.
        await db.schema
          .createIndex('webhook_deliveries_due_idx')
          .on('webhook_deliveries')
          .columns(['state', 'next_attempt_ms'])
          .execute();
        await db.schema
          .createIndex('webhook_deliveries_lane_idx')
          .on('webhook_deliveries')
          .columns(['subscription_id', 'state', 'order_key', 'event_seq'])
          .execute();
        await db.schema
          .createIndex('webhook_deliveries_log_idx')
          .on('webhook_deliveries')
          .columns(['subscription_id', 'event_seq'])
          .execute();

        // API keys are kept as SHA-256 digests: the key itself is shown once, when it is created.
        await db.schema
          .createTable('api_keys')
          .addColumn('id', 'text', (col) => col.primaryKey().modifyFront(idCollation))
          .addColumn('digest', 'text', (col) => col.notNull().unique())
          .addColumn('document', 'text', (col) => col.notNull())
          .addColumn('revoked_at_ms', 'bigint')
          .execute();
        // Agents' console logins: a password (scrypt) per agent, and short-lived session tokens by digest.
        await db.schema
          .createTable('agent_passwords')
          .addColumn('agent_id', 'text', (col) => col.primaryKey().modifyFront(idCollation))
          .addColumn('hash', 'text', (col) => col.notNull())
          .execute();
        await db.schema
          .createTable('agent_sessions')
          .addColumn('id', 'text', (col) => col.primaryKey().modifyFront(idCollation))
          .addColumn('digest', 'text', (col) => col.notNull().unique())
          .addColumn('agent_id', 'text', (col) => col.notNull())
          .addColumn('created_at_ms', 'bigint', (col) => col.notNull())
          .addColumn('expires_at_ms', 'bigint', (col) => col.notNull())
          .addColumn('revoked_at_ms', 'bigint')
          .execute();
        // The audit log is read by admins across topics, newest first, by time.
        await db.schema.createIndex('audit_log_at_idx').on('audit_log').columns(['at_ms', 'id']).execute();
      },
    },
    // A claim orders by priority (descending), time and id: with the id missing from the index, and the
    // priority stored ascending, SQLite sorted every pending job of the kind on each claim (86 ms with
    // 100,000 campaign jobs due at once); this index hands them over in claim order.
    '014_job_claim_order': {
      async up(db: Kysely<unknown>) {
        await db.schema.dropIndex('jobs_claim_idx').execute();
        await db.schema
          .createIndex('jobs_claim_idx')
          .on('jobs')
          .columns(['kind', 'state', 'priority desc', 'run_at_ms', 'id'])
          .execute();
      },
    },
  };
}
