import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { MemorySink } from '../../notify/notification.ts';
import { ctiErrors, envelope, idInput, ok, v1Errors } from '../http-kit/schemas.ts';
import type { EmergencyService } from './emergency-service.ts';
import {
  AuditEntrySchema,
  CtiEmergencyResponse,
  EmergencyBody,
  EmergencySchema,
  NotificationSchema,
} from './schemas.ts';

/** POST /api/cti/emergency: the mock-CTI panic button (bare JSON). */
export const ctiEmergencyRoute: FastifyPluginAsyncZod<{ emergencies: EmergencyService }> = async (
  app,
  { emergencies },
) => {
  app.post(
    '/emergency',
    {
      config: { idempotent: true },
      schema: {
        summary: 'A driver pressed the panic button: raise an emergency call to the first free dispatcher',
        tags: ['mock-cti'],
        operationId: 'ctiEmergency',
        body: EmergencyBody,
        response: { 200: CtiEmergencyResponse, ...ctiErrors },
      },
    },
    async (request) => {
      const e = await emergencies.raise(request.body);
      return {
        emergencyId: e.id,
        callId: e.callId,
        status: 'raised' as const,
        driverId: e.driverId,
        raisedAt: e.raisedAt,
      };
    },
  );
};

/** /api/v1/emergencies and /api/v1/notifications. */
export const emergencyRoutes: FastifyPluginAsyncZod<{
  emergencies: EmergencyService;
  sink?: MemorySink;
}> = async (app, { emergencies, sink }) => {
  app.post(
    '/emergencies',
    {
      config: { idempotent: true },
      schema: {
        summary: 'Raise an emergency (panic button)',
        tags: ['emergencies'],
        operationId: 'raiseEmergency',
        body: EmergencyBody,
        response: { 201: envelope(EmergencySchema), ...v1Errors },
      },
    },
    async (request, reply) => reply.code(201).send(ok(await emergencies.raise(request.body))),
  );

  app.get(
    '/emergencies',
    {
      schema: {
        summary: 'List emergencies, newest first',
        tags: ['emergencies'],
        operationId: 'listEmergencies',
        response: { 200: envelope(z.array(EmergencySchema)), ...v1Errors },
      },
    },
    async () => ok(await emergencies.list()),
  );

  app.get(
    '/emergencies/:emergencyId',
    {
      schema: {
        summary: 'One emergency with its audit trail',
        tags: ['emergencies'],
        operationId: 'getEmergency',
        params: z.strictObject({ emergencyId: idInput('The emergency id.') }),
        response: {
          200: envelope(z.object({ emergency: EmergencySchema, audit: z.array(AuditEntrySchema) })),
          ...v1Errors,
        },
      },
    },
    async (request) => ok(await emergencies.get(request.params.emergencyId)),
  );

  if (sink) {
    app.get(
      '/notifications',
      {
        schema: {
          summary: 'Messages the simulator’s notification sink would have sent (SMS, e-mail, webhooks)',
          tags: ['simulator'],
          operationId: 'listNotifications',
          querystring: z.strictObject({
            topic: z.string().min(1).max(128).optional().describe('Only about this (`emergency:<id>`).'),
            to: z.string().min(1).max(128).optional().describe('Only for this recipient.'),
          }),
          response: { 200: envelope(z.array(NotificationSchema)), ...v1Errors },
        },
      },
      async (request) => ok(sink.list(request.query)),
    );
  }
};
