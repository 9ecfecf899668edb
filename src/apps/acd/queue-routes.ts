import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SwitchboardError } from '../../core/errors.ts';
import { CALL_PRIORITIES, type QueueConfig } from '../../core/queue.ts';
import { checkBodyId, envelope, exists, idInput, ok, v1Errors } from '../http-kit/schemas.ts';
import type { AcdService } from './acd-service.ts';
import {
  type acdSchemas,
  applyQueuePatch,
  QueueSchema,
  QueueStatsSchema,
  validationError,
  WaitingCallSchema,
} from './schemas.ts';

export interface QueueRouteOptions {
  readonly acd: AcdService;
  /** The ACD input schemas, built for the server's default country. */
  readonly schemas: ReturnType<typeof acdSchemas>;
}

const QueueParams = z.strictObject({
  queueId: z.string().min(1).max(128).describe('The queue id, e.g. support-de.'),
});

const EnqueueBody = z.strictObject({
  callId: idInput('A live call (inbound and ringing, or already queued elsewhere).'),
  priority: z
    .enum(CALL_PRIORITIES)
    .default('normal')
    .describe('emergency > high > normal; waiting raises it over time.'),
});

const QueueAnswer = envelope(QueueSchema);
const Deleted = envelope(z.object({ id: z.string(), deleted: z.literal(true) }));
const Enqueued = envelope(
  z.object({ queueId: z.string(), callId: z.string(), priority: z.enum(CALL_PRIORITIES) }),
);

/** /api/v1/queues: queue configuration, live figures, and the callers waiting. */
export const queueRoutes: FastifyPluginAsyncZod<QueueRouteOptions> = async (app, { acd, schemas }) => {
  // Field by field only: the whole-queue checks (overflow needed with maxWaitMs, no overflow into
  // itself, ...) need the id, which may come from the path alone; withPathId runs them.
  const QueueReplace = z.strictObject({
    ...schemas.QueueInput.shape,
    id: schemas.QueueInput.shape.id.optional().describe('The queue id of the path, or absent.'),
  });

  /** The queue under the id of its path, checked as a whole. */
  const withPathId = (body: z.output<typeof QueueReplace>, queueId: string): QueueConfig => {
    const parsed = schemas.QueueInput.safeParse({ ...body, id: queueId });
    if (!parsed.success) throw validationError(parsed.error);
    return parsed.data;
  };

  app.get(
    '/queues',
    {
      schema: {
        summary: 'List queues',
        tags: ['queues'],
        operationId: 'listQueues',
        response: { 200: envelope(z.array(QueueSchema)), ...v1Errors },
      },
    },
    async () => ok(acd.listQueues()),
  );

  app.post(
    '/queues',
    {
      schema: {
        summary: 'Create a queue',
        tags: ['queues'],
        operationId: 'createQueue',
        body: schemas.QueueInput,
        response: { 201: QueueAnswer, ...v1Errors },
      },
    },
    async (request, reply) => {
      const { id } = request.body;
      if (exists(() => acd.getQueue(id))) {
        throw new SwitchboardError(
          'DUPLICATE',
          `A queue with id "${id}" exists already; change it with PUT or PATCH /api/v1/queues/${id}.`,
          { queueId: id },
        );
      }
      return reply.code(201).send(ok(await acd.saveQueue(request.body)));
    },
  );

  app.get(
    '/queues/:queueId',
    {
      schema: {
        summary: "One queue's configuration",
        tags: ['queues'],
        operationId: 'getQueue',
        params: QueueParams,
        response: { 200: QueueAnswer, ...v1Errors },
      },
    },
    async (request) => ok(acd.getQueue(request.params.queueId)),
  );

  app.put(
    '/queues/:queueId',
    {
      schema: {
        summary: "Replace a queue's configuration; callers waiting stay and follow the new rules",
        tags: ['queues'],
        operationId: 'replaceQueue',
        params: QueueParams,
        body: QueueReplace,
        response: { 200: QueueAnswer, ...v1Errors },
      },
    },
    async (request) => {
      const { queueId } = request.params;
      checkBodyId(request.body.id, queueId);
      // Replacing is not creating: POST /queues does that, and refuses duplicates.
      acd.getQueue(queueId);
      return ok(await acd.saveQueue(withPathId(request.body, queueId)));
    },
  );

  app.patch(
    '/queues/:queueId',
    {
      schema: {
        summary: "Change some fields of a queue's configuration",
        tags: ['queues'],
        operationId: 'updateQueue',
        params: QueueParams,
        body: schemas.QueuePatch,
        response: { 200: QueueAnswer, ...v1Errors },
      },
    },
    async (request) => {
      const current = acd.getQueue(request.params.queueId);
      return ok(await acd.saveQueue(applyQueuePatch(current, request.body)));
    },
  );

  app.delete(
    '/queues/:queueId',
    {
      schema: {
        summary: 'Delete a queue nobody is waiting in',
        tags: ['queues'],
        operationId: 'deleteQueue',
        params: QueueParams,
        response: { 200: Deleted, ...v1Errors },
      },
    },
    async (request) => {
      await acd.deleteQueue(request.params.queueId);
      return ok({ id: request.params.queueId, deleted: true as const });
    },
  );

  app.get(
    '/queues/:queueId/stats',
    {
      schema: {
        summary: 'Live figures and those of the current interval',
        tags: ['queues'],
        operationId: 'getQueueStats',
        params: QueueParams,
        response: { 200: envelope(QueueStatsSchema), ...v1Errors },
      },
    },
    async (request) => ok(acd.stats(request.params.queueId)),
  );

  app.get(
    '/queues/:queueId/calls',
    {
      schema: {
        summary: 'Callers waiting, in the order they will be offered',
        tags: ['queues'],
        operationId: 'listQueueCalls',
        params: QueueParams,
        response: { 200: envelope(z.array(WaitingCallSchema)), ...v1Errors },
      },
    },
    async (request) => ok(acd.waitingIn(request.params.queueId)),
  );

  app.post(
    '/queues/:queueId/calls',
    {
      config: { idempotent: true },
      schema: {
        summary: 'Put a live call into the queue',
        description:
          'The caller hears music on hold until an agent answers; position and estimated wait follow as ' +
          '`queue.entered` and `queue.position` events.',
        tags: ['queues'],
        operationId: 'enqueueCall',
        params: QueueParams,
        body: EnqueueBody,
        response: { 201: Enqueued, ...v1Errors },
      },
    },
    async (request, reply) => {
      const { queueId } = request.params;
      const { callId, priority } = request.body;
      // The ACD also keeps one private queue per agent for direct routes; those are not for the API.
      acd.getQueue(queueId);
      await acd.enqueue(callId, queueId, priority);
      return reply.code(201).send(ok({ queueId, callId, priority }));
    },
  );
};
