import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { envelope, ok, v1Errors } from '../../apps/http-kit/schemas.ts';
import type { DomainEvent } from '../../core/events.ts';
import type { CallControl, EventFeed } from '../../engine/types.ts';
import { visibleToAgent } from '../event-visibility.ts';
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
    async (request) => {
      const { after, limit } = request.query;
      const agentId = request.principal?.role === 'agent' ? request.principal.agentId : undefined;
      if (agentId === undefined) return ok(await events.after(after, limit));
      return ok(await agentEvents(events, agentId, after, limit));
    },
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

/** Pages of the log read to fill one answer for an agent, at most; the next request goes on. */
const MAX_SCAN_PAGES = 20;
const SCAN_PAGE = 1000;

/**
 * An agent's own events after `after`: the log is read on until `limit` of them are found or the log
 * ends, so that paging by the last seq received still ends only at the end of the log.
 */
async function agentEvents(events: EventFeed, agentId: string, after: number, limit: number) {
  const found: DomainEvent[] = [];
  let cursor = after;
  for (let page = 0; page < MAX_SCAN_PAGES && found.length < limit; page++) {
    const batch = await events.after(cursor, SCAN_PAGE);
    for (const event of batch) {
      if (visibleToAgent(event, agentId)) found.push(event);
      if (found.length === limit) break;
    }
    if (batch.length < SCAN_PAGE) break;
    cursor = batch[batch.length - 1]?.seq ?? cursor;
  }
  return found;
}
