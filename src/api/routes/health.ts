import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

const HealthResponse = z.looseObject({ status: z.string().describe('`ok` while the server serves.') });

/** GET /health: open without a key, for load balancers and probes. */
export const healthRoutes: FastifyPluginAsyncZod<{ health: () => Record<string, unknown> }> = async (
  app,
  { health },
) => {
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
};
