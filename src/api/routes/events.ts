import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { envelope, ok, v1Errors } from '../../apps/http-kit/schemas.ts';
import type { DomainEvent } from '../../core/events.ts';
import type { CallControl, EventFeed } from '../../engine/types.ts';
import { CallParams } from './calls.ts';

const EventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).default(0).describe('Return events with a seq greater than this.'),
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe('At most this many (1..1000).'),
});

/** GET /api/v1/events and a call's timeline: the event log, for clients catching up over HTTP. */
export const eventRoutes: FastifyPluginAsyncZod<{
  events: EventFeed;
  calls: Pick<CallControl, 'get'>;
  /** One domain event: the core's and the apps' (see `domainEventSchema`). */
  schema: z.ZodType<DomainEvent>;
}> = async (app, { events, calls, schema }) => {
  app.get(
    '/events',
    {
      schema: {
        summary: 'Logged events after a seq, in order',
        description:
          'Pass the seq of the last event as `after` for the next page, until fewer than `limit` come back; ' +
          'Socket.io delivers the live ones.',
        tags: ['events'],
        operationId: 'listEvents',
        querystring: EventsQuery,
        response: { 200: envelope(z.array(schema)), ...v1Errors },
      },
    },
    async (request) => ok(await events.after(request.query.after, request.query.limit)),
  );

  app.get(
    '/calls/:callId/events',
    {
      schema: {
        summary: "A call's timeline: its logged events, in order",
        description:
          'Page with `after` (the seq of the last event seen). An imported call has only the event that logged it.',
        tags: ['calls'],
        operationId: 'listCallEvents',
        params: CallParams,
        querystring: EventsQuery,
        response: { 200: envelope(z.array(schema)), ...v1Errors },
      },
    },
    async (request) => {
      const { callId } = request.params;
      // CALL_NOT_FOUND for an unknown id, rather than an empty timeline that looks like a quiet call.
      await calls.get(callId);
      return ok(await events.forCall(callId, request.query.after, request.query.limit));
    },
  );
};
