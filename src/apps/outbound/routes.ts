import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { envelope, ok, v1Errors } from '../http-kit/schemas.ts';
import type { OutboundService } from './outbound-service.ts';
import {
  BulkAnswer,
  BulkBody,
  CallLogParams,
  CanceledAnswer,
  OutboundCallBody,
  OutboundCallSchema,
  PlacedAnswer,
  RetriesAnswer,
  ScheduleBody,
  ScheduledAnswer,
  StatsAnswer,
} from './schemas.ts';

const tags = ['outbound'];

/** /api/v1/calls/outbound...: the outbound calling contract (and POST /calls/:callLogId/cancel). */
export const outboundRoutes: FastifyPluginAsyncZod<{ outbound: OutboundService }> = async (
  app,
  { outbound },
) => {
  app.post(
    '/calls/outbound',
    {
      config: { idempotent: true },
      schema: {
        summary: 'Call a number now from an agent’s phone (click-to-dial), within the outbound limits',
        description:
          'INVALID_PHONE_NUMBER unless E.164; CONCURRENT_LIMIT_REACHED (429) with MAX_CONCURRENT_OUTBOUND_CALLS live; API_UNAVAILABLE (503) while the circuit is open. Unknown fields are ignored.',
        tags,
        operationId: 'placeOutboundCall',
        body: OutboundCallBody,
        response: { 201: envelope(PlacedAnswer), ...v1Errors },
      },
    },
    async (request, reply) => reply.code(201).send(ok(await outbound.place(request.body))),
  );

  app.post(
    '/calls/outbound/bulk',
    {
      config: { idempotent: true },
      schema: {
        summary: 'Queue up to 1000 calls; they start one per second within the concurrency limit',
        description: 'Entries are checked one by one: the answer says why each refused one was refused.',
        tags,
        operationId: 'placeBulkOutboundCalls',
        body: BulkBody,
        response: { 201: envelope(BulkAnswer), ...v1Errors },
      },
    },
    async (request, reply) => reply.code(201).send(ok(await outbound.bulk(request.body.calls))),
  );

  app.post(
    '/calls/outbound/schedule',
    {
      config: { idempotent: true },
      schema: {
        summary:
          'Schedule a call (or a daily, weekly or monthly series) in a time zone, optionally in business hours',
        tags,
        operationId: 'scheduleOutboundCall',
        body: ScheduleBody,
        response: { 201: envelope(ScheduledAnswer), ...v1Errors },
      },
    },
    async (request, reply) => reply.code(201).send(ok(await outbound.schedule(request.body))),
  );

  app.get(
    '/calls/outbound/stats',
    {
      schema: {
        summary: 'Live outbound calls against the limit, the circuit breaker, the start rate limiter',
        tags,
        operationId: 'outboundStats',
        response: { 200: envelope(StatsAnswer), ...v1Errors },
      },
    },
    async () => ok(await outbound.stats()),
  );

  app.get(
    '/calls/outbound/:callLogId',
    {
      schema: {
        summary: 'One outbound call log',
        tags,
        operationId: 'getOutboundCall',
        params: CallLogParams,
        response: { 200: envelope(OutboundCallSchema), ...v1Errors },
      },
    },
    async (request) => ok(await outbound.get(request.params.callLogId)),
  );

  app.get(
    '/calls/outbound/:callLogId/retries',
    {
      schema: {
        summary: 'The retries of an outbound call',
        tags,
        operationId: 'getOutboundRetries',
        params: CallLogParams,
        response: { 200: envelope(RetriesAnswer), ...v1Errors },
      },
    },
    async (request) => ok(await outbound.retries(request.params.callLogId)),
  );

  for (const path of ['/calls/outbound/:callLogId/cancel', '/calls/:callLogId/cancel']) {
    app.post(
      path,
      {
        schema: {
          summary: 'Cancel an outbound call that is scheduled, queued, initiated or ringing',
          description: 'INVALID_STATE (409) once connected or over; CALL_NOT_FOUND for an unknown call log.',
          tags,
          operationId: path.includes('outbound') ? 'cancelOutboundCall' : 'cancelCallLog',
          params: CallLogParams,
          response: { 200: envelope(CanceledAnswer), ...v1Errors },
        },
      },
      async (request) => ok(await outbound.cancel(request.params.callLogId)),
    );
  }
};
