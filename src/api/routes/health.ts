import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

const HealthResponse = z.looseObject({ status: z.string().describe('`ok` while the server serves.') });

/** GET /health: open without a key, for load balancers and probes. */
export const healthRoutes: FastifyPluginAsyncZod<{
  health: () => Record<string, unknown>;
  readiness?: () => Promise<Readiness>;
}> = async (app, { health, readiness }) => {
  app.get(
    '/health',
    {
      schema: {
        summary: 'Liveness and a summary of the server parts',
        tags: ['health'],
        operationId: 'health',
        response: { 200: HealthResponse },
      },
    },
    async () => ({ status: 'ok', ...health() }),
  );

  if (readiness) {
    app.get(
      '/ready',
      {
        schema: {
          summary: 'Readiness: 200 while the store, its migrations and the driver are ready, else 503',
          description:
            'Distinct from GET /health (liveness): a load balancer sends calls only to a ready server. It ' +
            'answers 503 while the driver is disconnected and from the start of a graceful drain (SIGTERM).',
          tags: ['health'],
          operationId: 'ready',
          response: { 200: ReadyResponse, 503: ReadyResponse },
        },
      },
      async (_request, reply) => {
        const answer = await readiness();
        return reply.code(answer.ready ? 200 : 503).send({
          status: answer.ready ? ('ready' as const) : ('not_ready' as const),
          checks: answer.checks,
        });
      },
    );
  }
};

/** What GET /ready reports: whether to send traffic here, and each check's finding. */
export interface Readiness {
  readonly ready: boolean;
  readonly checks: Record<string, unknown>;
}

const ReadyResponse = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.unknown()).describe('store, migrations, driver, draining'),
});
