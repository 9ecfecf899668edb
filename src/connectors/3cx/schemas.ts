import { z } from 'zod';
import type { EventDataSchemas } from '../../apps/app-contract.ts';
import { addressInput, idInput, isoTime, isoTimeInput, type SameKeys } from '../../apps/http-kit/schemas.ts';
import type { CallGroupAlert, ThreeCxEventDataMap } from './events.ts';
import type { PbxCallView } from './pbx-call.ts';

const direction = z.enum(['INBOUND', 'OUTBOUND']);
const pbxCallId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'use letters, digits, dots, colons, dashes or underscores')
  .describe("3CX's call history id: every report of one call carries it.");

const pbxCallShape = z.object({
  pbxCallId: z.string(),
  callId: z.string().describe('Its record in the call log: GET /api/v1/calls/{callId}.'),
  phoneNumber: z.string().describe('The outside party, E.164 when it reads as a phone number.'),
  callDuration: z.number().int().nonnegative().describe("Seconds from the owner's answer to the end."),
  callOwnerExtension: z.string().nullable(),
  callOwnerEmail: z
    .string()
    .nullable()
    .describe('null for an extension without an e-mail in the configuration.'),
  callDirection: direction,
  timestamp: isoTime('When the owner answered, or when the call started if nobody did.'),
  isPbxOriginated: z.literal(true),
  pbxDataReceivedAt: isoTime('When Switchboard first heard of the call.'),
});
true satisfies SameKeys<PbxCallView, z.output<typeof pbxCallShape>>;
export const PbxCallSchema: z.ZodType<PbxCallView> = pbxCallShape.meta({ id: 'PbxCall' });
export const CompletedPbxCallSchema = pbxCallShape.extend({
  completedAt: isoTime('When its user completed it.'),
});

const alertShape = z.object({
  id: z.string(),
  callGroupId: z.string(),
  callGroupName: z.string(),
  alertType: z.string().describe('MISSED_CALL, NO_AGENTS, or a type an integration raised.'),
  alertMessage: z.string(),
  isActive: z.boolean(),
  createdAt: isoTime('When it was raised.'),
  resolvedAt: isoTime('When it was resolved.').nullable(),
});
true satisfies SameKeys<CallGroupAlert, z.output<typeof alertShape>>;
export const AlertSchema: z.ZodType<CallGroupAlert> = alertShape.meta({ id: 'CallGroupAlert' });

export const FromPbxBody = z.strictObject({
  pbxCallId,
  phoneNumber: addressInput('The outside party; national numbers read in DEFAULT_COUNTRY.'),
  callDuration: z
    .number()
    .int()
    .min(0)
    .max(604_800)
    .default(0)
    .describe('Seconds of talk; 0 when unanswered.'),
  callOwnerExtension: z
    .string()
    .regex(/^[0-9]{1,10}$/, 'an extension is 1 to 10 digits')
    .nullable()
    .optional(),
  callOwnerEmail: z.email().max(254).nullable().optional().describe('Else from the configured extensions.'),
  callDirection: direction,
  timestamp: isoTimeInput('When the call was answered (or started, unanswered).'),
});

export const PbxCallParams = z.strictObject({ pbxCallId });
export const UserParams = z.strictObject({ email: z.email().max(254).describe("The user's e-mail.") });
export const PendingQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('At most this many, oldest first.'),
});

export const AlertBody = z.strictObject({
  callGroupId: idInput('The call group (3CX queue or ring group number).'),
  callGroupName: z.string().min(1).max(128),
  alertType: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]{1,63}$/, 'UPPER_CASE such as MISSED_CALL or NO_AGENTS')
    .describe('MISSED_CALL, NO_AGENTS, or a type of your own.'),
  alertMessage: z.string().min(1).max(2000),
});
export const AlertListQuery = z.strictObject({
  active: z.enum(['true', 'false']).optional().describe('true: active alerts only; false: resolved only.'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const GroupParams = z.strictObject({ groupId: idInput('The call group.') });
export const AlertParams = z.strictObject({ id: idInput('The alert id.') });

export const StatusSchema = z.object({
  lastCdrId: z.string().nullable().describe('The last CDR segment imported from the database.'),
  lastPollAt: isoTime('When the database was last polled.').nullable(),
  isBusinessHours: z.boolean(),
  uptime: z.number().int().describe('Seconds since the connector started.'),
  rejectedCdrs: z
    .number()
    .int()
    .describe('CDRs and Active Socket lines that could not be read, since start.'),
});

export const HealthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  database: z.object({
    reachable: z.boolean(),
    consecutiveFailures: z.number().int(),
    lastError: z.string().nullable(),
  }),
  activeSocket: z
    .object({
      listening: z.boolean(),
      port: z.number().int().nullable(),
      connections: z.number().int(),
      malformedLines: z.number().int(),
    })
    .nullable(),
});

export const PollSchema = z.object({
  ok: z.boolean(),
  segments: z.number().int().describe('CDR segments read.'),
  calls: z.number().int().describe('Calls they made (new or updated).'),
  rejected: z.number().int(),
  error: z.string().optional(),
});

/** The payload schema of each 3CX connector event. */
export const THREECX_EVENTS: EventDataSchemas<keyof ThreeCxEventDataMap> = {
  'threecx.call.logged': z.object({ pbxCall: PbxCallSchema }),
  'threecx.alert.raised': z.object({ alert: AlertSchema }),
  'threecx.alert.resolved': z.object({ alert: AlertSchema }),
};
