/**
 * The campaign dialer's types and events. A campaign dials a list of contacts and hands the answered
 * ones to free agents of a queue, paced by its mode, within calling hours, never dialling the
 * do-not-call list.
 */

export const CAMPAIGN_MODES = ['preview', 'progressive', 'predictive'] as const;
export type CampaignMode = (typeof CAMPAIGN_MODES)[number];

export const CAMPAIGN_STATES = ['draft', 'running', 'paused', 'completed', 'stopped'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

export const CONTACT_STATUSES = ['pending', 'in_progress', 'completed', 'failed', 'dnc'] as const;
export type ContactStatus = (typeof CONTACT_STATUSES)[number];

/**
 * How an attempt ended: `answered` (connected to an agent), `abandoned` (answered but no agent within
 * 2 s), the callee's `busy`, `no_answer`, `rejected`, `invalid_number`, `unreachable`, the provider's
 * `network_error`, `skipped` (a preview the agent passed on), `server_restart` (cut by a restart before
 * an answer), `canceled` (the campaign stopped while it rang), `limited` (the circuit breaker was open).
 */
export const ATTEMPT_OUTCOMES = [
  'answered',
  'abandoned',
  'busy',
  'no_answer',
  'rejected',
  'invalid_number',
  'unreachable',
  'network_error',
  'skipped',
  'server_restart',
  'canceled',
  'limited',
] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/** Local wall-clock hours ("08:00"–"21:00") in which a contact may be dialled. */
export interface CallingHours {
  readonly start: string;
  readonly end: string;
}

/** What a client sends to create or update a campaign. */
export interface CampaignInput {
  readonly name: string;
  readonly mode: CampaignMode;
  readonly queueId: string;
  /** Lines per free agent a predictive campaign starts from (adapted as it runs); default 1. */
  readonly dialRatio?: number;
  /** Highest share of answered calls that may be abandoned (predictive); default 0.03. */
  readonly maxAbandonRate: number;
  readonly callingHours: CallingHours;
  /** IANA zone for contacts without one whose number's country has no single zone. */
  readonly timezone: string;
  readonly maxAttempts: number;
  readonly retryDelayMs: number;
  readonly callerId?: string;
}

export interface CampaignStats {
  readonly dialled: number;
  readonly answered: number;
  readonly abandoned: number;
  /** abandoned ÷ answered (0 before any answer). */
  readonly abandonRate: number;
  readonly connected: number;
  /** Seconds each agent talked to the campaign's contacts. */
  readonly talkTimeByAgent: Readonly<Record<string, number>>;
  /** Contacts still to finish: pending or in progress. */
  readonly remaining: number;
  /** The predictive dial ratio in force. */
  readonly dialRatio: number;
}

export interface Campaign extends CampaignInput {
  readonly id: string;
  readonly state: CampaignState;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
}

export interface ContactAttempt {
  readonly attemptNumber: number;
  readonly startedAt: string;
  /** Absent while the call is under way. */
  readonly outcome?: AttemptOutcome;
  /** Absent only when a restart came between recording the attempt and dialling. */
  readonly callId?: string;
  readonly answeredAt?: string;
  readonly connectedAt?: string;
  readonly agentId?: string;
  readonly endedAt?: string;
}

export interface Contact {
  readonly id: string;
  readonly campaignId: string;
  /** Its place in the campaign's list (imports in order), from 1: contacts are dialled and paged in this order. */
  readonly row: number;
  /** Its line in the import it came from (the header is line 1), or its place in a JSON list from 1. */
  readonly line: number;
  readonly phoneNumber: string;
  readonly name?: string;
  /** IANA zone: given, or from the number's country where one zone fits, else the campaign's. */
  readonly timezone: string;
  /** Any other columns or fields, carried into the call's context. */
  readonly fields: Readonly<Record<string, string | number | boolean | null>>;
  readonly status: ContactStatus;
  readonly attempts: readonly ContactAttempt[];
  /** When the next attempt may start, for a contact waiting for a retry. */
  readonly nextAttemptAt?: string;
}

export interface ImportError {
  readonly row: number;
  readonly code: 'INVALID_PHONE_NUMBER' | 'DUPLICATE' | 'VALIDATION_ERROR';
  readonly message: string;
}

export interface ImportReport {
  readonly total: number;
  readonly imported: number;
  readonly rejected: number;
  readonly errors: readonly ImportError[];
}

/** The campaign dialer's events and what each carries in `data`. */
export interface CampaignEventDataMap {
  'campaign.created': { readonly campaign: Campaign };
  'campaign.updated': { readonly campaign: Campaign };
  /** Its state changed (started, paused, resumed, stopped, completed); `previous` says from what. */
  'campaign.state': { readonly campaign: Campaign; readonly previous: CampaignState };
  'campaign.contacts.imported': { readonly campaignId: string; readonly report: ImportReport };
  /** An attempt began: the number is dialled. */
  'campaign.contact.dialled': { readonly campaignId: string; readonly contact: Contact };
  /** The contact answered and waits for an agent. */
  'campaign.contact.answered': { readonly campaignId: string; readonly contact: Contact };
  /** An agent has the contact. */
  'campaign.contact.connected': {
    readonly campaignId: string;
    readonly contact: Contact;
    readonly agentId: string;
  };
  /** No agent took the answered contact within 2 s: they hear a short message and are hung up. */
  'campaign.contact.abandoned': { readonly campaignId: string; readonly contact: Contact };
  /** An attempt ended; `contact.status` says whether another follows. */
  'campaign.contact.finished': { readonly campaignId: string; readonly contact: Contact };
  /** The campaign's figures, at most once a second while they change. */
  'campaign.stats': { readonly campaignId: string; readonly stats: CampaignStats };
}

declare module '../../core/events.ts' {
  interface DomainEventDataMap extends CampaignEventDataMap {}
}
