import { randomInt } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SwitchboardError } from '../../core/errors.ts';
import type { InboundRoute } from '../../core/routing.ts';
import { checkBodyId, envelope, ok, v1Errors } from '../http-kit/schemas.ts';
import type { AcdService } from './acd-service.ts';
import type { acdSchemas } from './schemas.ts';
import { InboundRouteSchema } from './schemas.ts';

export interface InboundRouteOptions {
  readonly acd: AcdService;
  /** The ACD input schemas, built for the server's default country. */
  readonly schemas: ReturnType<typeof acdSchemas>;
}

const RouteParams = z.strictObject({
  routeId: z.string().min(1).max(128).describe('The route id.'),
});

const RouteAnswer = envelope(InboundRouteSchema);
const Deleted = envelope(z.object({ id: z.string(), deleted: z.literal(true) }));

// No 0/o, 1/l/i: people read these ids aloud and type them from screenshots.
const ID_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const ID_LENGTH = 6;

function newRouteId(taken: ReadonlySet<string>): string {
  for (;;) {
    let suffix = '';
    for (let i = 0; i < ID_LENGTH; i++) suffix += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
    const id = `route-${suffix}`;
    if (!taken.has(id)) return id;
  }
}

function notFound(routeId: string): SwitchboardError {
  return new SwitchboardError('ROUTE_NOT_FOUND', `No inbound route has id "${routeId}".`, { routeId });
}

/** /api/v1/routes: the inbound routing table, from dialled number (and caller, time) to a destination. */
export const inboundRoutes: FastifyPluginAsyncZod<InboundRouteOptions> = async (app, { acd, schemas }) => {
  const RouteReplace = schemas.InboundRouteInput.extend({
    id: schemas.InboundRouteInput.shape.id.describe('The route id of the path, or absent.'),
  });

  const find = async (routeId: string): Promise<InboundRoute | undefined> =>
    (await acd.listRoutes()).find((route) => route.id === routeId);

  app.get(
    '/routes',
    {
      schema: {
        summary: 'The inbound routing table',
        description:
          'Rows are tried most specific first: an exact dialled number before a prefix, a longer prefix ' +
          'before a shorter one, a row with a caller pattern before one without, then lower `order`.',
        tags: ['routing'],
        operationId: 'listRoutes',
        response: { 200: envelope(z.array(InboundRouteSchema)), ...v1Errors },
      },
    },
    async () => ok(await acd.listRoutes()),
  );

  app.post(
    '/routes',
    {
      schema: {
        summary: 'Add a route; its id is generated when absent',
        tags: ['routing'],
        operationId: 'createRoute',
        body: schemas.InboundRouteInput,
        response: { 201: RouteAnswer, ...v1Errors },
      },
    },
    async (request, reply) => {
      const taken = new Set((await acd.listRoutes()).map((route) => route.id));
      const id = request.body.id ?? newRouteId(taken);
      if (taken.has(id)) {
        throw new SwitchboardError(
          'DUPLICATE',
          `A route with id "${id}" exists already; replace it with PUT /api/v1/routes/${id}.`,
          { routeId: id },
        );
      }
      return reply.code(201).send(ok(await acd.saveRoute({ ...request.body, id })));
    },
  );

  app.get(
    '/routes/:routeId',
    {
      schema: {
        summary: 'One route',
        tags: ['routing'],
        operationId: 'getRoute',
        params: RouteParams,
        response: { 200: RouteAnswer, ...v1Errors },
      },
    },
    async (request) => {
      const route = await find(request.params.routeId);
      if (!route) throw notFound(request.params.routeId);
      return ok(route);
    },
  );

  app.put(
    '/routes/:routeId',
    {
      schema: {
        summary: 'Replace a route',
        tags: ['routing'],
        operationId: 'replaceRoute',
        params: RouteParams,
        body: RouteReplace,
        response: { 200: RouteAnswer, ...v1Errors },
      },
    },
    async (request) => {
      const { routeId } = request.params;
      checkBodyId(request.body.id, routeId);
      // Replacing is not creating: POST /routes does that, and refuses duplicates.
      if (!(await find(routeId))) throw notFound(routeId);
      return ok(await acd.saveRoute({ ...request.body, id: routeId }));
    },
  );

  app.delete(
    '/routes/:routeId',
    {
      schema: {
        summary: 'Delete a route',
        tags: ['routing'],
        operationId: 'deleteRoute',
        params: RouteParams,
        response: { 200: Deleted, ...v1Errors },
      },
    },
    async (request) => {
      const { routeId } = request.params;
      if (!(await acd.deleteRoute(routeId))) throw notFound(routeId);
      return ok({ id: routeId, deleted: true as const });
    },
  );
};
