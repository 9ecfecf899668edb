import { z } from 'zod';
import { FAILURE_CATEGORIES } from '../../core/outbound.ts';
import type { EventDataSchemas } from '../app-contract.ts';
import { contextInput, idInput, isoTime, type SameKeys } from '../http-kit/schemas.ts';
import {
  CALL_LOG_STATUSES,
  OUTBOUND_STATUSES,
  type OutboundCallView,
  type OutboundEventDataMap,
  PRIORITIES,
} from './events.ts';

/** The most calls one bulk request may carry. */
export const MAX_BULK_CALLS = 1000;

// Phone numbers are checked by the service, so that a malformed one answers INVALID_PHONE_NUMBER.
const phoneNumber = z.string().max(64).describe('The number to call, E.164 (`+15551234567`).');
const agentId = idInput('The agent whose phone rings first (click-to-dial).');
const userId = z.string().min(1).max(128).describe('Who asked for the call in the calling application.');

/** Body of POST /outbound; unknown fields are stripped, not refused (the contract's integrations send extras). */
export const OutboundCallBody = z.object({
  phoneNumber,
  agentId,
  userId: userId.optional(),
  metadata: contextInput.optional().describe('Carried with the call (its context `outbound.metadata`).'),
  priority: z.enum(PRIORITIES).optional().describe('Order among queued calls; default medium.'),
});
export type OutboundCallRequest = z.output<typeof OutboundCallBody>;

/** Body of POST /outbound/bulk: each entry is checked on its own, so one bad entry fails alone. */
export const BulkBody = z.object({
  calls: z
    .array(z.record(z.string(), z.unknown()).describe('`{phoneNumber, agentId, userId?, metadata?}`'))
    .min(1)
    .max(MAX_BULK_CALLS)
    .describe(`1 to ${MAX_BULK_CALLS} calls; they start one per second, within the concurrency limit.`),
});

/** One entry of a bulk list, as checked. */
export const BulkEntry = OutboundCallBody.omit({ priority: true });

const hhmm = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be HH:MM (00:00 to 23:59)' })
  .describe('Local time, HH:MM.');

export const BusinessHoursBody = z
  .object({
    start: hhmm,
    end: hhmm,
    daysOfWeek: z.array(z.int().min(0).max(6)).min(1).max(7).describe('0 = Sunday .. 6 = Saturday.'),
  })
  .refine((h) => h.start < h.end, { error: 'end must be after start', path: ['end'] });

export const RecurringBody = z.object({
  frequency: z.enum(['daily', 'weekly', 'monthly']),
  interval: z.int().min(1).max(365).default(1).describe('Every `interval` days, weeks or months.'),
  endDate: z.string().max(64).optional().describe('Last day (or instant) an occurrence may fall on.'),
  maxOccurrences: z
    .int()
    .min(1)
    .max(10_000)
    .optional()
    .describe('How many calls in all, the first included.'),
});

/** Body of POST /outbound/schedule. */
export const ScheduleBody = OutboundCallBody.extend({
  scheduledFor: z
    .string()
    .min(10)
    .max(64)
    .describe('ISO-8601; without `Z` or an offset it is the wall-clock time in `timezone`.'),
  timezone: z.string().min(1).max(64).optional().describe('IANA time zone (`Asia/Kolkata`); default UTC.'),
  respectBusinessHours: z
    .boolean()
    .optional()
    .describe('Move a time outside business hours to the next opening.'),
  businessHours: BusinessHoursBody.optional().describe('Default weekdays 09:00–17:00 in `timezone`.'),
  recurring: RecurringBody.optional(),
});
export type ScheduleRequest = z.output<typeof ScheduleBody>;

export const CallLogParams = z.strictObject({ callLogId: idInput('The call log id.') });

const nullableTime = (description: string) => isoTime(description).nullable();

const viewShape = z.object({
  callLogId: z.string(),
  status: z.enum(CALL_LOG_STATUSES).describe('The call log’s status.'),
  outboundStatus: z.enum(OUTBOUND_STATUSES).describe('The dial’s: where it is, or how it ended.'),
  phoneNumber: z.string(),
  agentId: z.string(),
  userId: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  priority: z.enum(PRIORITIES),
  callId: z.string().nullable().describe('The call (GET /calls/{callId}) once dialled.'),
  scheduleId: z.string().nullable(),
  startedAt: nullableTime('When the number answered.'),
  endedAt: nullableTime('When the call ended.'),
  duration: z.number().nullable().describe('Whole seconds of talk.'),
  scheduledFor: nullableTime('When it is due to start (after any business-hours move).'),
  adjustedFor: nullableTime('Where business hours moved the requested time to.'),
  initiatedAt: nullableTime('When dialling began.'),
  retryCount: z.int().describe('0 for a first attempt; n for the n-th retry.'),
  retryOf: z.string().nullable().describe('The first attempt this retries.'),
  failureReason: z.string().nullable().describe('Why it failed: the end reason, or what refused it.'),
  failureCategory: z.enum(FAILURE_CATEGORIES).nullable(),
  createdAt: isoTime('When the log was made.'),
});
true satisfies SameKeys<OutboundCallView, z.output<typeof viewShape>>;

/** An outbound call log as clients read it. */
export const OutboundCallSchema: z.ZodType<OutboundCallView> = viewShape.meta({ id: 'OutboundCall' });

export const PlacedAnswer = z.object({
  callLogId: z.string(),
  status: z.literal('initiated'),
  message: z.string(),
});

export const BulkAnswer = z.object({
  total: z.int(),
  successful: z.int(),
  failed: z.int(),
  callLogIds: z.array(z.string()).describe('Of the accepted calls, in the order sent.'),
  errors: z
    .array(z.object({ index: z.int(), phoneNumber: z.unknown(), code: z.string(), message: z.string() }))
    .describe('Why each refused entry was refused (`index` in `calls`).'),
});

export const ScheduledAnswer = z.object({
  scheduleId: z.string(),
  callLogId: z.string(),
  scheduledFor: isoTime('The time asked for, as an instant.'),
  adjustedFor: isoTime('When business hours moved it: the time it will ring.').optional(),
  status: z.literal('scheduled'),
  message: z.string(),
});

export const CanceledAnswer = z.object({
  callLogId: z.string(),
  status: z.literal('canceled'),
  message: z.string(),
});

export const StatsAnswer = z.object({
  activeCalls: z.int(),
  maxConcurrentCalls: z.int(),
  utilization: z.number().describe('activeCalls as a percentage of maxConcurrentCalls.'),
  circuitBreaker: z.enum(['closed', 'open', 'half-open']),
  rateLimiter: z.object({
    currentJobs: z.int().describe('Call starts under way.'),
    queuedJobs: z.int().describe('Calls due to start and waiting for their turn.'),
  }),
});

export const RetriesAnswer = z.object({
  callLogId: z.string(),
  retries: z.array(
    z.object({
      attemptNumber: z.int(),
      scheduledFor: nullableTime('When the retry is (or was) due.'),
      status: z.enum(CALL_LOG_STATUSES),
      failureReason: z.string().nullable(),
      retryCallLogId: z.string(),
    }),
  ),
  totalRetries: z.int(),
  maxRetries: z.int().describe('Most retries the category of the latest failure allows.'),
});

const withCall = z.object({ callLogId: z.string(), call: OutboundCallSchema });

/** The payload schemas of the outbound service's events. */
export const OUTBOUND_EVENTS: EventDataSchemas<keyof OutboundEventDataMap> = {
  'outbound.queued': withCall,
  'outbound.scheduled': withCall,
  'outbound.retry.scheduled': withCall.extend({
    retryOf: z.string(),
    category: z.enum(FAILURE_CATEGORIES),
  }),
  'outbound.canceled': withCall,
};
