import type { ColumnType, Generated, Kysely } from 'kysely';

/**
 * Table shapes as Kysely sees them. Integer columns are `bigint` in PostgreSQL, which `pg` returns as
 * strings (they may exceed 2^53), so reads are typed `number | string` and go through {@link toNumber}.
 */
type BigIntColumn = ColumnType<number | string, number, number>;
type NullableBigIntColumn = ColumnType<number | string | null, number | null, number | null>;

export interface CallsTable {
  id: string;
  direction: string;
  status: string;
  from_address: string;
  to_address: string;
  started_at_ms: BigIntColumn;
  answered_at_ms: NullableBigIntColumn;
  ended_at_ms: NullableBigIntColumn;
  end_reason: string | null;
  /** The whole CallSnapshot as JSON; the other columns exist only to filter and sort. */
  snapshot: string;
  /** `switchboard` for its own calls, or the system an imported call came from (`3cx`). */
  source: ColumnType<string, string | undefined, string>;
  /** The imported call's id in its source; unique per source, so an import is idempotent. */
  external_id: string | null;
  /** The process that wrote a live record (see Store.owner); null for imports and older records. */
  owner: string | null;
  agent_id: string | null;
  queue_id: string | null;
  /** Seconds of talk, 0 for a call never answered. */
  duration_s: ColumnType<number | string, number | undefined, number>;
  /** Every party's address between bars, for "any party" searches. */
  parties: ColumnType<string, string | undefined, string>;
}

/** A key/value of the connectors' own state (the 3CX import's position). */
export interface ConnectorStateTable {
  key: string;
  value: string;
}

/** A call imported from a PBX, until the user it belongs to completes it. */
export interface PbxCallsTable {
  pbx_call_id: string;
  call_id: string;
  owner_email: string | null;
  received_at_ms: BigIntColumn;
  completed_at: string | null;
  /** The PBX call as the integration API answers it, as JSON. */
  document: string;
}

/** An alert about a call group; one active per group and type (a partial unique index). */
export interface CallGroupAlertsTable {
  id: string;
  call_group_id: string;
  alert_type: string;
  /** 1 while active, 0 once resolved. */
  is_active: number;
  created_at_ms: BigIntColumn;
  document: string;
}

export interface EventsTable {
  seq: BigIntColumn;
  id: string;
  type: string;
  timestamp: string;
  call_id: string | null;
  /** The whole DomainEvent as JSON, so it reads back exactly as appended. */
  body: string;
}

/** One configuration document (agent, queue, inbound route) kept whole as JSON under its id. */
export interface DocumentTable {
  id: string;
  document: string;
}

/** The tables that hold {@link DocumentTable} rows; each backs one ConfigRepository. */
export type DocumentTableName =
  | 'agents'
  | 'queues'
  | 'inbound_routes'
  | 'emergencies'
  | 'campaigns'
  | 'webhook_subscriptions';

export interface AgentStateLogTable {
  /** Insertion order, which breaks ties between entries of the same instant. */
  id: Generated<number | string>;
  agent_id: string;
  state: string;
  reason: string | null;
  call_id: string | null;
  /** The instant as the caller wrote it, so it reads back unchanged. */
  at: string;
  /** The same instant in epoch ms, for filtering and ordering whatever the offset notation. */
  at_ms: BigIntColumn;
}

export interface AuditLogTable {
  id: Generated<number | string>;
  topic: string;
  action: string;
  at: string;
  at_ms: BigIntColumn;
  /** JSON of the entry's details. */
  detail: string;
}

/** One version of an IVR flow; (id, version) is the key. */
export interface IvrFlowsTable {
  id: string;
  version: number;
  /** The flow as uploaded, as JSON. */
  definition: string;
  created_at: string;
}

/** One idempotency key of one scope; see IdempotencyRepository. */
export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  /** Hash of what the request asked, so that a key reused for something else is told apart. */
  fingerprint: string;
  /** Token of the request holding the key while it runs. */
  owner: string;
  /** `running` until the answer is kept, then `done`. */
  state: string;
  status: number | null;
  body: string | null;
  created_at_ms: BigIntColumn;
}

/** One call recording and its file; see RecordingRepository. */
export interface RecordingsTable {
  id: string;
  call_id: string;
  state: string;
  reason: string;
  started_at: string;
  started_at_ms: BigIntColumn;
  ended_at: string | null;
  ended_at_ms: NullableBigIntColumn;
  duration_ms: BigIntColumn;
  /** The file in the data folder, once stored. */
  file_path: string | null;
  file_size: NullableBigIntColumn;
  content_type: string | null;
  stored_at: string | null;
  /** When retention deleted the file; the row stays, to say so. */
  deleted_at: string | null;
}

/** One webhook delivery of the outbox; see WebhookDeliveryRepository. */
export interface WebhookDeliveriesTable {
  id: string;
  subscription_id: string;
  event_seq: BigIntColumn;
  /** The call the event is about: a call's deliveries go out one at a time, in seq order. */
  order_key: string | null;
  /** `pending`, `delivered` or `dead`. */
  state: string;
  attempts: number;
  next_attempt_ms: BigIntColumn;
  /** Retries stop a set time after this: the event's commit, or the last redelivery. */
  window_start_ms: BigIntColumn;
  /** A process sending it holds it until then, so that no other sends it meanwhile. */
  lease_until_ms: NullableBigIntColumn;
  last_attempt_ms: NullableBigIntColumn;
  last_status: number | null;
  last_error: string | null;
  /** The start of the last answer's body, for the dead-letter list. */
  last_response: string | null;
  duration_ms: NullableBigIntColumn;
  delivered_at_ms: NullableBigIntColumn;
  created_at_ms: BigIntColumn;
}

/** One API key, kept by the SHA-256 digest of the key; the document holds its role and scopes. */
export interface ApiKeysTable {
  id: string;
  digest: string;
  document: string;
  revoked_at_ms: NullableBigIntColumn;
}

/** An agent's console password, as a scrypt hash (`scrypt$salt$hash`). */
export interface AgentPasswordsTable {
  agent_id: string;
  hash: string;
}

/** A console session: a short-lived token, kept by its digest. */
export interface AgentSessionsTable {
  id: string;
  digest: string;
  agent_id: string;
  created_at_ms: BigIntColumn;
  expires_at_ms: BigIntColumn;
  revoked_at_ms: NullableBigIntColumn;
}

/** One durable job; see JobQueue in core/jobs.ts. */
export interface JobsTable {
  id: string;
  kind: string;
  state: string;
  run_at_ms: BigIntColumn;
  priority: number;
  attempts: number;
  owner: string | null;
  lease_until_ms: NullableBigIntColumn;
  /** JSON of the job's payload. */
  payload: string;
}

/** One outbound call log; the columns exist to look it up, the document is the whole log. */
export interface OutboundCallsTable {
  id: string;
  status: string;
  retry_of: string | null;
  call_id: string | null;
  created_at_ms: BigIntColumn;
  document: string;
}

/** One contact of a campaign; the columns exist to find and order it, the document is the contact. */
export interface CampaignContactsTable {
  id: string;
  campaign_id: string;
  row_no: number;
  phone_number: string;
  status: string;
  document: string;
}

/** A number on the do-not-call list. */
export interface DncNumbersTable {
  phone_number: string;
  added_at: string;
  reason: string | null;
}

export interface Database {
  calls: CallsTable;
  events: EventsTable;
  agents: DocumentTable;
  queues: DocumentTable;
  inbound_routes: DocumentTable;
  agent_state_log: AgentStateLogTable;
  emergencies: DocumentTable;
  audit_log: AuditLogTable;
  ivr_flows: IvrFlowsTable;
  idempotency_keys: IdempotencyKeysTable;
  recordings: RecordingsTable;
  webhook_subscriptions: DocumentTable;
  webhook_deliveries: WebhookDeliveriesTable;
  api_keys: ApiKeysTable;
  agent_passwords: AgentPasswordsTable;
  agent_sessions: AgentSessionsTable;
  jobs: JobsTable;
  outbound_calls: OutboundCallsTable;
  connector_state: ConnectorStateTable;
  pbx_calls: PbxCallsTable;
  call_group_alerts: CallGroupAlertsTable;
  campaigns: DocumentTable;
  campaign_contacts: CampaignContactsTable;
  dnc_numbers: DncNumbersTable;
}

/** Reads an integer column that `pg` may hand back as a string. */
export function toNumber(value: number | string | bigint): number {
  return typeof value === 'number' ? value : Number(value);
}

/**
 * How repositories reach the database: called per operation, so that it can refuse once the store is
 * closed instead of leaving the call to hang on a destroyed pool.
 */
export type UseDb = () => Kysely<Database>;
