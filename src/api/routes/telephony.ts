import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ok } from '../../apps/http-kit/schemas.ts';

const TelephonyCheck = z.looseObject({
  driver: z.string().describe('The telephony driver in use (`ari`, `simulator`).'),
  ari: z
    .looseObject({ reachable: z.boolean() })
    .optional()
    .describe('What ARI answers: its version and whether the Stasis application is registered.'),
  realtime: z
    .looseObject({ reachable: z.boolean() })
    .optional()
    .describe('Whether the Asterisk realtime database answers, and which ps_* tables it has.'),
});

export interface TelephonyCheckOptions {
  readonly check: () => Promise<z.infer<typeof TelephonyCheck>>;
}

/** GET /api/v1/telephony/check: asks the PBX and its realtime database now. */
export const telephonyRoutes: FastifyPluginAsyncZod<TelephonyCheckOptions> = async (app, { check }) => {
  app.get(
    '/telephony/check',
    {
      schema: {
        summary: 'Check the connection to the PBX (ARI) and its realtime database',
        tags: ['health'],
        operationId: 'checkTelephony',
        response: { 200: z.object({ success: z.literal(true), data: TelephonyCheck }) },
      },
    },
    async () => ok(await check()),
  );
};
