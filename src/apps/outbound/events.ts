import { FAILURE_CATEGORIES, type FailureCategory } from '../../core/outbound.ts';

/** A call log's status, as the outbound contract names it. */
export const CALL_LOG_STATUSES = [
  'scheduled',
  'queued',
  'initiated',
  'ringing',
  'in-progress',
  'completed',
  'failed',
  'canceled',
] as const;
export type CallLogStatus = (typeof CALL_LOG_STATUSES)[number];

/** Where the dial is: waiting, ringing, connected, or how it ended (a failure category, `completed`, ...). */
export const OUTBOUND_STATUSES = [
  'scheduled',
  'queued',
  'dialing',
  'ringing',
  'connected',
  'completed',
  ...FAILURE_CATEGORIES,
  'failed',
  'canceled',
] as const;
export type OutboundStatus = (typeof OUTBOUND_STATUSES)[number];

export const PRIORITIES = ['low', 'medium', 'high'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** The business hours a schedule may keep: `HH:MM` local times and days (0 = Sunday .. 6). */
export interface BusinessHours {
  readonly start: string;
  readonly end: string;
  readonly daysOfWeek: readonly number[];
}

export interface Recurrence {
  readonly frequency: 'daily' | 'weekly' | 'monthly';
  readonly interval: number;
  readonly endDate?: string;
  readonly maxOccurrences?: number;
}

/** What a scheduled call log keeps of its schedule, to compute the next occurrence when it fires. */
export interface ScheduleSpec {
  readonly scheduleId: string;
  /** 0 for the first call of the schedule. */
  readonly occurrence: number;
  /** The first occurrence's local time in `timezone` (ISO without offset), before business hours. */
  readonly base: string;
  readonly timezone: string;
  readonly respectBusinessHours: boolean;
  readonly businessHours?: BusinessHours;
  readonly recurring?: Recurrence;
}

/** One outbound call attempt as the store keeps it (a retry is another log). */
export interface OutboundCallLog {
  readonly id: string;
  readonly status: CallLogStatus;
  readonly outboundStatus: OutboundStatus;
  readonly phoneNumber: string;
  readonly agentId: string;
  readonly userId?: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly priority: Priority;
  /** How it came: one call now, a bulk list, a schedule, or a retry of another. */
  readonly origin: 'api' | 'bulk' | 'schedule' | 'retry';
  /** The engine's call, once dialled. */
  readonly callId: string | null;
  /** The job that starts it, while it waits. */
  readonly jobId?: string;
  readonly schedule?: ScheduleSpec;
  readonly scheduledFor: string | null;
  readonly adjustedFor?: string;
  readonly initiatedAt: string | null;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly duration: number | null;
  readonly retryOf: string | null;
  readonly retryCount: number;
  /** The category whose failure this retry repeats. */
  readonly retryReason?: FailureCategory;
  readonly failureReason: string | null;
  readonly failureCategory: FailureCategory | null;
  /** Asked to cancel: how it ends is then `canceled`, and it is not retried. */
  readonly canceledAt?: string;
  readonly createdAt: string;
  readonly createdAtMs: number;
}

/** An outbound call as clients read it (GET /outbound/:callLogId and GET /calls/:callLogId). */
export interface OutboundCallView {
  readonly callLogId: string;
  readonly status: CallLogStatus;
  readonly outboundStatus: OutboundStatus;
  readonly phoneNumber: string;
  readonly agentId: string;
  readonly userId: string | null;
  readonly metadata: Readonly<Record<string, unknown>> | null;
  readonly priority: Priority;
  readonly callId: string | null;
  readonly scheduleId: string | null;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly duration: number | null;
  readonly scheduledFor: string | null;
  readonly adjustedFor: string | null;
  readonly initiatedAt: string | null;
  readonly retryCount: number;
  readonly retryOf: string | null;
  readonly failureReason: string | null;
  readonly failureCategory: FailureCategory | null;
  readonly createdAt: string;
}

/** The outbound service's events; each carries the call log it is about. */
export interface OutboundEventDataMap {
  'outbound.queued': { readonly callLogId: string; readonly call: OutboundCallView };
  'outbound.scheduled': { readonly callLogId: string; readonly call: OutboundCallView };
  'outbound.retry.scheduled': {
    readonly callLogId: string;
    readonly retryOf: string;
    readonly category: FailureCategory;
    readonly call: OutboundCallView;
  };
  'outbound.canceled': { readonly callLogId: string; readonly call: OutboundCallView };
}

declare module '../../core/events.ts' {
  interface DomainEventDataMap extends OutboundEventDataMap {}
}
