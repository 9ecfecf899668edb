import { z } from 'zod';
import type { DncEntry, Page } from '../../store/types.ts';
import type { EventDataSchemas } from '../app-contract.ts';
import { addressInput, idInput, isoTime, type SameKeys } from '../http-kit/schemas.ts';
import {
  ATTEMPT_OUTCOMES,
  CAMPAIGN_MODES,
  CAMPAIGN_STATES,
  type Campaign,
  type CampaignEventDataMap,
  type CampaignStats,
  CONTACT_STATUSES,
  type Contact,
  type ImportReport,
} from './events.ts';

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const hhmm = (description: string) =>
  z.string().regex(HHMM, 'use HH:MM, 00:00 to 23:59').describe(description);

const callingHours = z
  .strictObject({
    start: hhmm('First local minute a contact may be dialled, e.g. "08:00".'),
    end: hhmm('Local time dialling stops (exclusive), e.g. "21:00"; before `start` it spans midnight.'),
  })
  .refine((h) => h.start !== h.end, { error: 'start and end must differ' })
  .describe('Hours in each contact’s own local time in which it may be dialled.');

/** POST /api/v1/campaigns and PUT /api/v1/campaigns/{id}. */
export const CampaignBody = z.strictObject({
  name: z.string().min(1).max(200),
  mode: z
    .enum(CAMPAIGN_MODES)
    .describe(
      'preview: a free agent is offered the contact and answers to dial it (or skips it); progressive: one line per free agent; predictive: dials ahead of free agents, keeping the abandon rate at or under maxAbandonRate.',
    ),
  queueId: idInput('The ACD queue whose free agents take the answered contacts.'),
  dialRatio: z
    .number()
    .min(0.3)
    .max(3)
    .optional()
    .describe(
      'Predictive: lines per expected free agent to start from (adapted as the campaign runs); default 1.',
    ),
  maxAbandonRate: z
    .number()
    .min(0)
    .max(1)
    .default(0.03)
    .describe('Highest share of answered contacts not connected to an agent within 2 s; default 0.03.'),
  callingHours,
  timezone: z
    .string()
    .min(1)
    .max(64)
    .default('UTC')
    .describe('IANA zone for contacts without one whose number’s country has no single zone.'),
  maxAttempts: z.int().min(1).max(20).default(3).describe('Attempts per contact, the first included.'),
  retryDelayMs: z
    .int()
    .min(0)
    .max(30 * 24 * 3_600_000)
    .default(3_600_000)
    .describe('Wait before another attempt after busy or no answer.'),
  callerId: addressInput(
    'Number or endpoint to call from, where the phone system lets it be chosen.',
  ).optional(),
});
export type CampaignBodyInput = z.output<typeof CampaignBody>;

const campaignShape = z.object({
  id: z.string(),
  name: z.string(),
  mode: z.enum(CAMPAIGN_MODES),
  queueId: z.string(),
  dialRatio: z.number().optional(),
  maxAbandonRate: z.number(),
  callingHours: z.object({ start: z.string(), end: z.string() }),
  timezone: z.string(),
  maxAttempts: z.number(),
  retryDelayMs: z.number(),
  callerId: z.string().optional(),
  state: z.enum(CAMPAIGN_STATES).describe('draft → running ⇄ paused → completed (or stopped).'),
  createdAt: isoTime('When it was created.'),
  updatedAt: isoTime('When its settings or state last changed.'),
  startedAt: isoTime('When it first started.').optional(),
  endedAt: isoTime('When it completed or was stopped.').optional(),
});
true satisfies SameKeys<Campaign, z.output<typeof campaignShape>>;
export const CampaignSchema: z.ZodType<Campaign> = campaignShape.meta({ id: 'Campaign' });

const attemptShape = z.object({
  attemptNumber: z.number(),
  startedAt: isoTime('When it was dialled.'),
  outcome: z.enum(ATTEMPT_OUTCOMES).optional().describe('Absent while the call is under way.'),
  callId: z.string().optional(),
  answeredAt: isoTime('When the contact answered.').optional(),
  connectedAt: isoTime('When an agent took the contact.').optional(),
  agentId: z.string().optional(),
  endedAt: isoTime('When the call ended.').optional(),
});

const contactShape = z.object({
  id: z.string(),
  campaignId: z.string(),
  row: z.number().describe('Its place in the campaign’s list, from 1: the dialling and paging order.'),
  line: z.number().describe('Its line in the import (the header is line 1), or its place in a JSON list.'),
  phoneNumber: z.string(),
  name: z.string().optional(),
  timezone: z.string(),
  fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  status: z.enum(CONTACT_STATUSES),
  attempts: z.array(attemptShape),
  nextAttemptAt: isoTime('When its next attempt may start.').optional(),
});
true satisfies SameKeys<Contact, z.output<typeof contactShape>>;
export const ContactSchema: z.ZodType<Contact> = contactShape.meta({ id: 'CampaignContact' });

export const ContactPageSchema: z.ZodType<Page<Contact>> = z.object({
  items: z.array(ContactSchema),
  nextCursor: z.string().optional().describe('Present when more contacts follow; pass it back as `cursor`.'),
});

const reportShape = z.object({
  total: z.number(),
  imported: z.number(),
  rejected: z.number(),
  errors: z.array(
    z.object({
      row: z.number().describe('The line in the file (the header is line 1), or the place in a JSON list.'),
      code: z.enum(['INVALID_PHONE_NUMBER', 'DUPLICATE', 'VALIDATION_ERROR']),
      message: z.string(),
    }),
  ),
});
true satisfies SameKeys<ImportReport, z.output<typeof reportShape>>;
export const ImportReportSchema: z.ZodType<ImportReport> = reportShape.meta({ id: 'ContactImportReport' });

const statsShape = z.object({
  dialled: z.number(),
  answered: z.number(),
  abandoned: z.number().describe('Answered, but no agent within 2 s.'),
  abandonRate: z.number().describe('abandoned ÷ answered; 0 before any answer.'),
  connected: z.number(),
  talkTimeByAgent: z.record(z.string(), z.number()).describe('Seconds each agent talked to contacts.'),
  remaining: z.number().describe('Contacts pending or in progress.'),
  dialRatio: z.number().describe('The predictive ratio in force.'),
});
true satisfies SameKeys<CampaignStats, z.output<typeof statsShape>>;
export const CampaignStatsSchema: z.ZodType<CampaignStats> = statsShape.meta({ id: 'CampaignStats' });

/** JSON contacts: `{contacts: [{phoneNumber, name, timezone, ...fields}]}`. */
export const ContactsJsonBody = z.strictObject({
  contacts: z
    .array(z.record(z.string(), z.unknown()))
    .min(1)
    .describe(
      'Contacts; any field besides phoneNumber, name and timezone is carried into the call’s context.',
    ),
});

export const CampaignParams = z.strictObject({ id: idInput('The campaign id.') });
export const ContactParams = z.strictObject({
  id: idInput('The campaign id.'),
  contactId: idInput('The contact id.'),
});
export const ContactListQuery = z.strictObject({
  status: z
    .string()
    .transform((value) => value.split(',').map((part) => part.trim()))
    .pipe(z.array(z.enum(CONTACT_STATUSES)))
    .optional()
    .describe(`Comma-separated statuses, any of: ${CONTACT_STATUSES.join(', ')}.`),
  cursor: z.string().min(1).max(512).optional().describe('`nextCursor` of the previous page.'),
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('Page size, 1..500.'),
});

const e164 = z.string().regex(/^\+[1-9]\d{1,14}$/, 'use E.164, e.g. +14155550123');

export const DncBody = z.strictObject({
  numbers: z
    .array(z.strictObject({ phoneNumber: e164, reason: z.string().min(1).max(200).optional() }))
    .min(1)
    .max(10_000)
    .describe('Numbers never to dial, checked when each call is about to be placed.'),
});
export const DncParams = z.strictObject({ phoneNumber: e164 });
export const DncListQuery = ContactListQuery.omit({ status: true });
export const DncEntrySchema = z
  .object({ phoneNumber: z.string(), addedAt: isoTime('When it was listed.'), reason: z.string().optional() })
  .meta({ id: 'DncEntry' });
export const DncPageSchema: z.ZodType<Page<DncEntry>> = z.object({
  items: z.array(DncEntrySchema),
  nextCursor: z.string().optional(),
});

const contactEvent = (description: string) =>
  z.object({ campaignId: z.string(), contact: ContactSchema }).describe(description);

/** The payload schemas of the campaign events, for the OpenAPI document. */
export const CAMPAIGN_EVENTS: EventDataSchemas<keyof CampaignEventDataMap> = {
  'campaign.created': z.object({ campaign: CampaignSchema }).describe('A campaign was created (draft).'),
  'campaign.updated': z.object({ campaign: CampaignSchema }).describe('A campaign’s settings changed.'),
  'campaign.state': z
    .object({ campaign: CampaignSchema, previous: z.enum(CAMPAIGN_STATES) })
    .describe('A campaign started, paused, resumed, stopped or completed.'),
  'campaign.contacts.imported': z
    .object({ campaignId: z.string(), report: ImportReportSchema })
    .describe('Contacts were imported; the report lists the rows refused.'),
  'campaign.contact.dialled': contactEvent('A contact is dialled (its last attempt is the new one).'),
  'campaign.contact.answered': contactEvent('A contact answered and waits for an agent.'),
  'campaign.contact.connected': z
    .object({ campaignId: z.string(), contact: ContactSchema, agentId: z.string() })
    .describe('An agent has the contact.'),
  'campaign.contact.abandoned': contactEvent(
    'No agent within 2 s of the answer: a short message, then the call ends.',
  ),
  'campaign.contact.finished': contactEvent(
    'An attempt ended; the contact’s status says whether another follows.',
  ),
  'campaign.stats': z
    .object({ campaignId: z.string(), stats: CampaignStatsSchema })
    .describe('The campaign’s figures, at most once a second while they change.'),
};
