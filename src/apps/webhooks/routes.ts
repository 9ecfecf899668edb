import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { envelope, ok, v1Errors } from '../http-kit/schemas.ts';
import {
  CreateWebhookBody,
  DeliveryListQuery,
  DeliveryParams,
  DeliverySchema,
  RedeliverBody,
  UpdateWebhookBody,
  WebhookParams,
  WebhookSchema,
  WebhookWithSecretSchema,
} from './schemas.ts';
import type { WebhookService } from './webhooks-service.ts';

const tags = ['webhooks'];

/** /api/v1/webhooks: subscriptions, their delivery log and figures, redelivery. */
export const webhookRoutes: FastifyPluginAsyncZod<{ webhooks: WebhookService }> = async (
  app,
  { webhooks },
) => {
  app.post(
    '/webhooks',
    {
      schema: {
        summary: 'Subscribe a URL to events',
        description:
          'Each matching event is POSTed as JSON, signed in `Switchboard-Signature` with the secret ' +
          '(answered this once). The URL must pass the outbound-host policy (422 WEBHOOK_TARGET_REFUSED).',
        tags,
        operationId: 'createWebhook',
        body: CreateWebhookBody,
        response: { 201: envelope(WebhookWithSecretSchema), ...v1Errors },
      },
    },
    async (request, reply) => reply.code(201).send(ok(await webhooks.create(request.body))),
  );

  app.get(
    '/webhooks',
    {
      schema: {
        summary: 'List webhook subscriptions (without secrets)',
        tags,
        operationId: 'listWebhooks',
        response: { 200: envelope(z.array(WebhookSchema)), ...v1Errors },
      },
    },
    async () => ok(await webhooks.list()),
  );

  app.get(
    '/webhooks/:webhookId',
    {
      schema: {
        summary: 'One subscription with its delivery figures',
        tags,
        operationId: 'getWebhook',
        params: WebhookParams,
        response: { 200: envelope(WebhookSchema), ...v1Errors },
      },
    },
    async (request) => ok(await webhooks.get(request.params.webhookId)),
  );

  app.patch(
    '/webhooks/:webhookId',
    {
      schema: {
        summary: 'Change a subscription (URL, events, secret, active, batch size)',
        description:
          'Setting `active: false` pauses it: its deliveries wait and go out once it is active again.',
        tags,
        operationId: 'updateWebhook',
        params: WebhookParams,
        body: UpdateWebhookBody,
        response: { 200: envelope(z.union([WebhookWithSecretSchema, WebhookSchema])), ...v1Errors },
      },
    },
    async (request) => {
      const { secret, ...rest } = await webhooks.update(request.params.webhookId, request.body);
      // The secret is shown only to whoever just set it.
      return ok(request.body.secret === undefined ? rest : { ...rest, secret });
    },
  );

  app.delete(
    '/webhooks/:webhookId',
    {
      schema: {
        summary: 'Delete a subscription and its deliveries',
        tags,
        operationId: 'deleteWebhook',
        params: WebhookParams,
        response: { 200: envelope(z.object({ deleted: z.literal(true) })), ...v1Errors },
      },
    },
    async (request) => {
      await webhooks.delete(request.params.webhookId);
      return ok({ deleted: true as const });
    },
  );

  app.get(
    '/webhooks/:webhookId/deliveries',
    {
      schema: {
        summary: "A subscription's delivery log, newest event first (`state=dead`: the dead-letter list)",
        tags,
        operationId: 'listWebhookDeliveries',
        params: WebhookParams,
        querystring: DeliveryListQuery,
        response: { 200: envelope(z.array(DeliverySchema)), ...v1Errors },
      },
    },
    async (request) => ok(await webhooks.deliveries(request.params.webhookId, request.query)),
  );

  app.get(
    '/webhooks/:webhookId/deliveries/:deliveryId',
    {
      schema: {
        summary: 'One delivery with its last attempt',
        tags,
        operationId: 'getWebhookDelivery',
        params: DeliveryParams,
        response: { 200: envelope(DeliverySchema), ...v1Errors },
      },
    },
    async (request) => ok(await webhooks.delivery(request.params.webhookId, request.params.deliveryId)),
  );

  app.post(
    '/webhooks/:webhookId/redeliver',
    {
      schema: {
        summary: 'Send deliveries again: the whole dead-letter list, or the ones named',
        description: 'Each gets a new retry window; per-call order is kept.',
        tags,
        operationId: 'redeliverWebhook',
        params: WebhookParams,
        body: RedeliverBody,
        response: { 200: envelope(z.object({ redelivered: z.int() })), ...v1Errors },
      },
    },
    async (request) =>
      ok({ redelivered: await webhooks.redeliver(request.params.webhookId, request.body.deliveryIds) }),
  );
};
