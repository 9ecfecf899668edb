import type { AgentProfile, AgentState } from '../core/agent.ts';
import type { CallDirection, CallSnapshot, CallStatus, EndReason } from '../core/call.ts';
import type { DomainEvent } from '../core/events.ts';
import type { JobQueue } from '../core/jobs.ts';
import type { QueueConfig } from '../core/queue.ts';
import type { RecordingReason, RecordingState } from '../core/recording.ts';
import type { InboundRoute } from '../core/routing.ts';
import type { AgentSessionRepository, ApiKeyRepository } from './key-types.ts';
import type { OutboxEntry, WebhookDeliveryRepository } from './webhook-types.ts';

export type {
  AgentSessionRepository,
  ApiKeyRepository,
  Role,
  StoredApiKey,
  StoredSession,
} from './key-types.ts';

/**
 * Storage contracts. Every implementation (embedded SQLite, PostgreSQL) passes the same suite
 * (`test/store.test.ts`), so what is written here is what callers may rely on.
 */
export interface Store {
  readonly calls: CallRecordRepository;
  readonly events: EventLogRepository;
  readonly agents: ConfigRepository<AgentProfile>;
  readonly queues: ConfigRepository<QueueConfig>;
  readonly routes: ConfigRepository<InboundRoute>;
  readonly agentStates: AgentStateLogRepository;
  /** Emergencies, as the emergency app saves them (it owns their type; see its repository). */
  readonly emergencies: ConfigRepository<StoredDocument>;
  readonly audit: AuditLogRepository;
  readonly flows: FlowRepository;
  readonly idempotency: IdempotencyRepository;
  readonly recordings: RecordingRepository;
  /** Webhook subscriptions, as the webhooks app saves them (it owns their type). */
  readonly webhookSubscriptions: ConfigRepository<StoredDocument>;
  readonly apiKeys: ApiKeyRepository;
  readonly agentSessions: AgentSessionRepository;
  /** The webhook outbox; its rows are written by `commit`. */
  readonly webhookDeliveries: WebhookDeliveryRepository;
  /** Durable jobs of every kind (see JobQueue for what callers may rely on). */
  readonly jobs: JobQueue;
  /** The outbound service's call logs (the app owns their shape; see its repository). */
  readonly outboundCalls: OutboundCallRepository;
  /** Calls a PBX reported, until their users complete them (the 3CX connector). */
  readonly pbxCalls: PbxCallRepository;
  readonly callGroupAlerts: CallGroupAlertRepository;
  readonly connectorState: ConnectorStateRepository;
  /** Campaigns, as the campaigns app saves them (it owns their type). */
  readonly campaigns: ConfigRepository<StoredDocument>;
  readonly campaignContacts: CampaignContactRepository;
  /** The do-not-call list. */
  readonly dnc: DncRepository;
  /**
   * Makes call records, the events about them and the webhook deliveries of those events durable
   * together, in one transaction: either all of the batch is written or none of it (a duplicate seq
   * rejects the batch). The engine commits each group of changes this way, so a record and its event
   * can never disagree after a crash, no event is lost to a webhook, and many calls' changes share
   * one commit.
   */
  commit(batch: CommitBatch): Promise<void>;
  /**
   * Readiness: answers once the database answered a query, with the number of migrations it has not
   * applied (0 when current); rejects when the database does not answer.
   */
  check(): Promise<{ readonly pendingMigrations: number }>;
  /** Which backend this is (`sqlite`, `postgres`), for health and logs. */
  readonly kind: StoreKind;
  /**
   * Who this process is among those sharing the database: the records of live calls it writes carry
   * it, so that at start-up it closes only the calls it left, never another process's live ones.
   */
  readonly owner: string;
  /** Flushes and closes; later calls reject. */
  close(): Promise<void>;
}

export type StoreKind = 'sqlite' | 'postgres';

/** What one commit writes. */
export interface CommitBatch {
  readonly calls: readonly CallSnapshot[];
  readonly events: readonly DomainEvent[];
  /** Outbox rows of these events (none when no webhook subscribes). */
  readonly deliveries?: readonly OutboxEntry[];
}

/**
 * Call records: every call with its legs, timestamps, duration, end reason and context.
 * - `save` is an upsert by id and is durable when it resolves: a record saved and then read after a
 *   restart reads back equal (deep-equal snapshot).
 * - `list` orders newest first by `startedAt`, then by id, and pages with an opaque cursor that stays
 *   valid while records are added.
 */
export interface CallRecordRepository {
  save(call: CallSnapshot): Promise<void>;
  get(id: string): Promise<CallSnapshot | undefined>;
  list(filter: CallRecordFilter): Promise<Page<CallSnapshot>>;
  /**
   * Writes an imported call (it has `source` and `externalId`) under the id of the record that source
   * and external id already have, if any: a call imported twice is one record, the latest import wins.
   * Answers the record as written and whether it was new.
   */
  importCall(call: CallSnapshot): Promise<{ readonly call: CallSnapshot; readonly created: boolean }>;
}

export interface CallRecordFilter {
  /** Any of these statuses. */
  readonly status?: readonly CallStatus[];
  /** Calls where any party (`from`, `to`, a leg, a transfer target) has exactly this address. */
  readonly number?: string;
  readonly direction?: CallDirection;
  readonly agentId?: string;
  readonly queueId?: string;
  /** Any of these end reasons. */
  readonly endReason?: readonly EndReason[];
  /** Seconds of talk, inclusive; a call never answered counts 0. */
  readonly minDuration?: number;
  readonly maxDuration?: number;
  /** `switchboard` or an import (`3cx`). */
  readonly source?: string;
  /** Records written by this process (see {@link Store.owner}), or by none recorded. */
  readonly ownedBy?: string;
  /** Calls started at or after this instant (ISO-8601). */
  readonly since?: string;
  /** Calls started strictly before this instant (ISO-8601). */
  readonly until?: string;
  readonly cursor?: string;
  /** 1..500. */
  readonly limit: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Present when more items follow; pass it back as `cursor`. */
  readonly nextCursor?: string;
}

/**
 * The event log, so that a client that reconnects gets everything after the last `seq` it saw.
 * - `append` is durable when it resolves; events come back from `after` exactly as appended, in `seq`
 *   order. Appending a `seq` that exists already rejects (a seq is never reused).
 * - `lastSeq` is 0 for an empty log.
 */
export interface EventLogRepository {
  append(events: readonly DomainEvent[]): Promise<void>;
  after(seq: number, limit: number): Promise<DomainEvent[]>;
  /** One call's events after `seq`, in `seq` order, at most `limit`: the call's timeline. */
  forCall(callId: string, after: number, limit: number): Promise<DomainEvent[]>;
  lastSeq(): Promise<number>;
}

export type StoreConfig =
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema?: string };

/**
 * A JSON document with an id, as an app saves it; the store reads back exactly what was saved, so the
 * app that owns the table also owns the document's type.
 */
export interface StoredDocument {
  readonly id: string;
}

/**
 * Contact-centre configuration: agents, queues and the inbound routing table. Plain keyed documents:
 * `save` is an upsert by id, durable when it resolves; `list` orders by id; `delete` answers whether
 * something was deleted.
 */
export interface ConfigRepository<T extends { readonly id: string }> {
  save(item: T): Promise<void>;
  get(id: string): Promise<T | undefined>;
  list(): Promise<T[]>;
  delete(id: string): Promise<boolean>;
}

/** Every agent state change, kept for reporting (time in state, missed offers, away reasons). */
export interface AgentStateLogRepository {
  append(entries: readonly AgentStateEntry[]): Promise<void>;
  /** Entries of one agent (or all, without `agentId`) in time order, at most `limit`. */
  list(filter: {
    agentId?: string;
    since?: string;
    until?: string;
    limit: number;
  }): Promise<AgentStateEntry[]>;
}

export interface AgentStateEntry {
  readonly agentId: string;
  readonly state: AgentState;
  readonly reason?: string;
  readonly callId?: string;
  readonly at: string;
}

/**
 * An append-only audit trail: who did what, when, about a subject (`topic`, e.g. `emergency:<id>`).
 * Entries read back in the order appended; nothing is ever updated or deleted.
 */
export interface AuditLogRepository {
  append(entry: AuditEntry): Promise<void>;
  /** Appends several in order (the request trail writes in groups). */
  appendMany(entries: readonly AuditEntry[]): Promise<void>;
  list(topic: string, limit: number): Promise<AuditEntry[]>;
  /**
   * Entries newest first, optionally of one topic, in [since, until), older than the entry numbered
   * `before` (paging); at most `limit` (1..10000).
   */
  search(filter: {
    readonly topic?: string;
    readonly since?: string;
    readonly until?: string;
    readonly before?: number;
    readonly limit: number;
  }): Promise<(AuditEntry & { readonly id: number })[]>;
}

export interface AuditEntry {
  readonly topic: string;
  readonly action: string;
  readonly at: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** One version of an IVR flow, as stored. */
export interface StoredFlow {
  readonly id: string;
  /** 1 for the first upload of a flow, then one more per upload. */
  readonly version: number;
  /** The flow as uploaded (YAML read into JSON), validated before it was stored. */
  readonly definition: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
}

/**
 * IVR flows, versioned. A version is never changed or deleted, so a caller finishes in the version
 * they started in while a newer one is uploaded.
 * - `add` stores a new version numbered one past the latest of that flow (1 for a new flow), durable
 *   when it resolves; concurrent adds of one flow get distinct numbers.
 * - `get` answers the latest version, or the one asked for; undefined when there is none.
 * - `list` answers the latest version of every flow, by id in byte order.
 * - `versions` answers every version of one flow, oldest first, without definitions.
 */
export interface FlowRepository {
  add(flow: Omit<StoredFlow, 'version'>): Promise<StoredFlow>;
  get(id: string, version?: number): Promise<StoredFlow | undefined>;
  list(): Promise<StoredFlow[]>;
  versions(id: string): Promise<Omit<StoredFlow, 'definition'>[]>;
}

/** The answer an executed request gave, kept to replay it. */
export interface StoredAnswer {
  readonly status: number;
  /** The response body exactly as sent. */
  readonly body: string;
}

/**
 * What claiming an idempotency key found: the key was free (or its earlier use expired or was
 * abandoned) and now belongs to the caller; another request holds it and is still running; or a
 * request finished with it and left its answer.
 */
export type IdempotencyClaim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'running'; readonly fingerprint: string }
  | { readonly kind: 'done'; readonly fingerprint: string; readonly answer: StoredAnswer };

/**
 * Idempotency keys of requests that create things (calls, emergencies), so that a retried request
 * answers what the first one did instead of running again. Keys live per `scope` (a credential).
 * - `claim` is atomic across processes sharing the database: of any number of concurrent claims of
 *   one (scope, key), exactly one answers `claimed`. A row created before `expiredBefore` counts as
 *   absent, and so does a `running` one created before `abandonedBefore` (its process died); the
 *   claim then takes it over. `owner` is the caller's own token for `complete` and `release`.
 * - `complete` keeps the answer of a claimed key, durable when it resolves; `release` frees the key
 *   (the request failed and may run again). Both do nothing unless `owner` still holds the claim.
 * - `purge` deletes every key created before `before` and answers how many.
 */
export interface IdempotencyRepository {
  claim(request: {
    readonly scope: string;
    readonly key: string;
    readonly fingerprint: string;
    readonly owner: string;
    readonly now: number;
    readonly expiredBefore: number;
    readonly abandonedBefore: number;
  }): Promise<IdempotencyClaim>;
  complete(scope: string, key: string, owner: string, answer: StoredAnswer): Promise<void>;
  release(scope: string, key: string, owner: string): Promise<void>;
  purge(before: number): Promise<number>;
}

/** A call recording as the recording app keeps it: what the engine said of it, and where its file is. */
export interface StoredRecording {
  readonly id: string;
  readonly callId: string;
  readonly state: RecordingState;
  readonly reason: RecordingReason;
  readonly startedAt: string;
  readonly endedAt?: string;
  /** Milliseconds recorded, paused time left out (so far, until it stops). */
  readonly durationMs: number;
  /** Its file in the data folder, once the phone system handed it over. */
  readonly file?: {
    readonly path: string;
    readonly size: number;
    readonly contentType: string;
    readonly storedAt: string;
  };
  /** When the retention policy deleted the file; the record stays to say so. */
  readonly deletedAt?: string;
}

/**
 * Call recordings and their files.
 * - `save` is an upsert by id, durable when it resolves; `get` reads it back deep-equal.
 * - `listByCall` answers one call's recordings, oldest first (by start, then id).
 * - `expired` answers stopped recordings that ended before `before` (ISO-8601) and are not deleted,
 *   oldest end first, at most `limit` (1..1000).
 * - `unstored` answers those with no file yet and not deleted (still recording or paused, or stopped
 *   while the file could not be fetched), oldest first: what a process starting up takes over.
 */
export interface RecordingRepository {
  save(recording: StoredRecording): Promise<void>;
  get(id: string): Promise<StoredRecording | undefined>;
  listByCall(callId: string): Promise<StoredRecording[]>;
  expired(before: string, limit: number): Promise<StoredRecording[]>;
  unstored(): Promise<StoredRecording[]>;
}

/** An outbound call log as stored: the fields the store looks it up by, and the app's document. */
export interface StoredOutboundCall {
  readonly id: string;
  readonly status: string;
  readonly retryOf?: string | null;
  readonly callId?: string | null;
  /** When the log was made (epoch ms): retries list oldest first. */
  readonly createdAtMs: number;
  readonly [field: string]: unknown;
}

/**
 * Outbound call logs.
 * - `save` is an upsert by id, durable when it resolves; `get` reads it back deep-equal; `saveAll`
 *   saves many, all or none.
 * - `retriesOf` answers the logs whose `retryOf` is `id`, oldest first (then by id).
 * - `withStatus` answers the logs in any of `statuses`, oldest first (at most 10,000);
 *   `countWithStatus` counts them.
 */
export interface OutboundCallRepository {
  save(log: StoredOutboundCall): Promise<void>;
  /** `save` of each, in one transaction: all or none. */
  saveAll(logs: readonly StoredOutboundCall[]): Promise<void>;
  get(id: string): Promise<StoredOutboundCall | undefined>;
  retriesOf(id: string): Promise<StoredOutboundCall[]>;
  withStatus(statuses: readonly string[]): Promise<StoredOutboundCall[]>;
  countWithStatus(statuses: readonly string[]): Promise<number>;
}

/** A call a PBX reported (3CX), kept until the user it belongs to has completed it in their app. */
export interface StoredPbxCall {
  readonly pbxCallId: string;
  /** Its record in the call log. */
  readonly callId: string;
  readonly ownerEmail: string | null;
  readonly receivedAt: string;
  readonly completedAt?: string;
  /** The call as the connector answers it (its own type), kept whole. */
  readonly document: Readonly<Record<string, unknown>>;
}

/**
 * PBX calls and whether their users completed them.
 * - `add` stores a call unless its `pbxCallId` exists already, atomically across processes, and answers
 *   whether it did; `update` replaces the document and owner of an existing one, keeping when it was
 *   received and whether it was completed.
 * - `pending` answers those not completed (of one owner, when given), oldest received first.
 * - `complete` marks one completed at `at` (once: a second call keeps the first time); undefined if unknown.
 */
export interface PbxCallRepository {
  add(call: StoredPbxCall): Promise<boolean>;
  update(
    pbxCallId: string,
    document: Readonly<Record<string, unknown>>,
    ownerEmail: string | null,
  ): Promise<void>;
  get(pbxCallId: string): Promise<StoredPbxCall | undefined>;
  pending(filter: { readonly ownerEmail?: string; readonly limit: number }): Promise<StoredPbxCall[]>;
  complete(pbxCallId: string, at: string): Promise<StoredPbxCall | undefined>;
}

/** An alert about a call group (nobody answered, nobody available); see CallGroupAlertRepository. */
export interface StoredCallGroupAlert {
  readonly id: string;
  readonly callGroupId: string;
  readonly callGroupName: string;
  readonly alertType: string;
  readonly alertMessage: string;
  readonly isActive: boolean;
  readonly createdAt: string;
  readonly resolvedAt: string | null;
}

/**
 * Call-group alerts. At most one is active per group and type, across processes: `raise` stores an
 * active alert and answers it with `created: true`, or, when one of that group and type is active
 * already, answers that one with `created: false`. `resolve` makes one inactive (once) and answers it,
 * undefined if unknown. `list` answers newest first, at most `limit`.
 */
export interface CallGroupAlertRepository {
  raise(
    alert: StoredCallGroupAlert,
  ): Promise<{ readonly alert: StoredCallGroupAlert; readonly created: boolean }>;
  resolve(id: string, at: string): Promise<StoredCallGroupAlert | undefined>;
  get(id: string): Promise<StoredCallGroupAlert | undefined>;
  list(filter: {
    readonly active?: boolean;
    readonly callGroupId?: string;
    readonly limit: number;
  }): Promise<StoredCallGroupAlert[]>;
}

/** Small named values connectors keep (an import's position); `set` is durable when it resolves. */
export interface ConnectorStateRepository {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

/** A campaign contact as stored: what the store finds and orders it by, and the app's document. */
export interface StoredContact {
  readonly id: string;
  readonly campaignId: string;
  /** Its place in the campaign's list (import order), from 1. */
  readonly row: number;
  readonly phoneNumber: string;
  readonly status: string;
  readonly [field: string]: unknown;
}

/**
 * The contacts of campaigns.
 * - `add` inserts contacts, durable when it resolves; a number already in the campaign is not added
 *   again and comes back in the answer (the contacts that were not added), whichever process added it.
 * - `save` updates a contact that exists (its status and document); `get` reads it back deep-equal.
 * - `page` lists a campaign's contacts by row, optionally of some statuses, with an opaque cursor.
 * - `lastRow` is the highest row of a campaign (0 for none); `countByStatus` counts its contacts.
 * - `withStatus` answers a campaign's contacts in a status by row, at most `limit` (1..10,000).
 */
export interface CampaignContactRepository {
  add(contacts: readonly StoredContact[]): Promise<StoredContact[]>;
  save(contact: StoredContact): Promise<void>;
  get(id: string): Promise<StoredContact | undefined>;
  page(
    campaignId: string,
    filter: { readonly status?: readonly string[]; readonly cursor?: string; readonly limit: number },
  ): Promise<Page<StoredContact>>;
  lastRow(campaignId: string): Promise<number>;
  countByStatus(campaignId: string): Promise<Record<string, number>>;
  withStatus(campaignId: string, status: string, limit: number): Promise<StoredContact[]>;
}

export interface DncEntry {
  readonly phoneNumber: string;
  readonly addedAt: string;
  readonly reason?: string;
}

/**
 * The do-not-call list: numbers (E.164) never dialled by a campaign.
 * - `add` inserts entries, keeping the first `addedAt` of a number already listed; `remove` answers
 *   whether it was listed; `has` is checked at dial time, `listed` at import; `list` orders by number,
 *   paged by cursor.
 */
export interface DncRepository {
  add(entries: readonly DncEntry[]): Promise<void>;
  remove(phoneNumber: string): Promise<boolean>;
  has(phoneNumber: string): Promise<boolean>;
  /** Which of `numbers` are listed (any number of them). */
  listed(numbers: readonly string[]): Promise<Set<string>>;
  list(filter: { readonly cursor?: string; readonly limit: number }): Promise<Page<DncEntry>>;
}
