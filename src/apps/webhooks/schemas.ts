import { z } from 'zod';
import type { EventDataSchemas } from '../app-contract.ts';
import { idInput, isoTime } from '../http-kit/schemas.ts';
import type { WebhookEventDataMap } from './events.ts';

/** `call.ended`, `call.*`, `*`: lower-case dotted names, a trailing `.*` for a family. */
const EVENT_PATTERN = /^(\*|[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.\*)?)$/;

const eventPattern = z
  .string()
  .max(64)
  .regex(EVENT_PATTERN, 'use an event type (call.ended), a family (call.*) or *');

const url = z
  .url({ protocol: /^https?$/, error: 'use an http or https URL' })
  .max(2048)
  .describe('Where events are POSTed; the outbound-host policy must allow its host.');

const secret = z
  .string()
  .min(16)
  .max(256)
  .describe('Signs every POST; at least 16 characters. Generated (`whsec_...`) when left out.');

const batchSize = z
  .int()
  .min(1)
  .max(100)
  .describe('Up to this many events per POST, as `{"events": [...]}`; leave out for one event per POST.');

/** POST /api/v1/webhooks. */
export const CreateWebhookBody = z.strictObject({
  url,
  events: z.array(eventPattern).min(1).max(50).describe('Event types to send: `call.ended`, `call.*`, `*`.'),
  secret: secret.optional(),
  active: z.boolean().default(true),
  description: z.string().min(1).max(256).optional(),
  batchSize: batchSize.optional(),
});

/** PATCH /api/v1/webhooks/{webhookId}: what changes; `batchSize: null` goes back to one event per POST. */
export const UpdateWebhookBody = z.strictObject({
  url: url.optional(),
  events: z.array(eventPattern).min(1).max(50).optional(),
  secret: secret.optional(),
  active: z.boolean().optional(),
  description: z.string().min(1).max(256).optional(),
  batchSize: batchSize.nullable().optional(),
});

const figuresShape = z.object({
  pending: z.int(),
  delivered: z.int(),
  dead: z.int().describe('In the dead-letter list.'),
  attempts: z.int().describe('POSTs made, successful or not.'),
  meanDurationMs: z.number().optional().describe('Mean time of the successful POSTs.'),
  lastDeliveredAt: isoTime('When the last delivery succeeded.').optional(),
});

const subscriptionShape = {
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()).readonly(),
  active: z.boolean(),
  description: z.string().optional(),
  batchSize: z.int().optional(),
  createdAt: isoTime('When it was created.'),
  updatedAt: isoTime('When it last changed.'),
};

/** A subscription as listed: without its secret. */
export const WebhookSchema = z
  .object({ ...subscriptionShape, figures: figuresShape.optional() })
  .meta({ id: 'Webhook' });

/** A subscription as created (or its secret changed): the secret, shown this once. */
export const WebhookWithSecretSchema = z
  .object({ ...subscriptionShape, secret: z.string().describe('Keep it: it is not shown again.') })
  .meta({ id: 'WebhookWithSecret' });

export const WebhookParams = z.strictObject({ webhookId: idInput('The subscription id.') });
export const DeliveryParams = z.strictObject({
  webhookId: idInput('The subscription id.'),
  deliveryId: idInput('The delivery id.'),
});

/** GET /api/v1/webhooks/{webhookId}/deliveries. */
export const DeliveryListQuery = z.strictObject({
  state: z.enum(['pending', 'delivered', 'dead']).optional().describe('`dead`: the dead-letter list.'),
  beforeSeq: z.coerce.number().int().min(1).optional().describe('Page: deliveries of older events.'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** One delivery of the log. */
export const DeliverySchema = z
  .object({
    id: z.string(),
    eventSeq: z.int(),
    callId: z.string().optional(),
    state: z.enum(['pending', 'delivered', 'dead']),
    attempts: z.int(),
    nextAttemptAt: isoTime('When it is tried next (pending ones).').optional(),
    createdAt: isoTime('When the event was committed.'),
    lastAttemptAt: isoTime('When it was last tried.').optional(),
    lastStatus: z.int().optional().describe('The last answer’s HTTP status; absent when none came.'),
    lastError: z.string().optional(),
    lastResponse: z.string().optional().describe('The start of the last answer’s body.'),
    durationMs: z.number().optional().describe('How long the last POST took.'),
    deliveredAt: isoTime('When a 2xx answered it.').optional(),
  })
  .meta({ id: 'WebhookDelivery' });

/** POST /api/v1/webhooks/{webhookId}/redeliver: which deliveries to send again. */
export const RedeliverBody = z.strictObject({
  deliveryIds: z
    .array(idInput('A delivery id.'))
    .min(1)
    .max(500)
    .optional()
    .describe('These deliveries (dead or delivered); leave out for the whole dead-letter list.'),
});

/** The payload schemas of the webhooks app's events. */
export const WEBHOOK_EVENTS: EventDataSchemas<keyof WebhookEventDataMap> = {
  'webhook.failed': z.object({
    subscriptionId: z.string(),
    deliveryId: z.string(),
    eventSeq: z.int(),
    eventType: z.string(),
    attempts: z.int(),
    lastStatus: z.int().optional(),
    lastError: z.string().optional(),
  }),
};
