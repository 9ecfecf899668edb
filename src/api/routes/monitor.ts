import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { envelope, idInput, ok, v1Errors } from '../../apps/http-kit/schemas.ts';
import { MONITOR_MODES } from '../../core/call.ts';
import type { CallMonitoring } from '../../engine/types.ts';
import { CallSnapshotSchema } from '../schemas/call.ts';

const CallParams = z.strictObject({ callId: idInput('The call id.') });
const MonitorBody = z.strictObject({
  supervisorId: idInput('The agent who monitors; they must have the supervisor role.'),
  mode: z
    .enum(MONITOR_MODES)
    .describe('listen: heard by nobody; whisper: heard by the agent only; barge: heard by everyone.'),
});

const CallAnswer = envelope(CallSnapshotSchema);

/** /api/v1/calls/:callId/monitor: a supervisor listens, whispers to the agent or barges in. */
export const monitorRoutes: FastifyPluginAsyncZod<{ monitoring: CallMonitoring }> = async (
  app,
  { monitoring },
) => {
  app.post(
    '/calls/:callId/monitor',
    {
      schema: {
        summary: "Monitor a call from a supervisor's phone, or change the mode of the supervisor on it",
        description:
          "The supervisor's phone rings; once they answer they are connected in `mode` (`call.monitor.started`). " +
          'Posting again with another mode changes it (`call.monitor.changed`). An agent without the supervisor ' +
          'role is refused 403 FORBIDDEN.',
        tags: ['calls'],
        operationId: 'monitorCall',
        params: CallParams,
        body: MonitorBody,
        response: { 200: CallAnswer, ...v1Errors },
      },
    },
    async (request) => ok(await monitoring.monitor(request.params.callId, request.body)),
  );

  app.delete(
    '/calls/:callId/monitor',
    {
      schema: {
        summary: "End monitoring: the supervisor's phone is hung up",
        tags: ['calls'],
        operationId: 'endCallMonitor',
        params: CallParams,
        response: { 200: CallAnswer, ...v1Errors },
      },
    },
    async (request) => ok(await monitoring.endMonitor(request.params.callId)),
  );
};
