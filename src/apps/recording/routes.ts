import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { envelope, ok, v1Errors } from '../http-kit/schemas.ts';
import type { RecordingService } from './recording-service.ts';
import {
  RecordingCallParams,
  RecordingCommandBody,
  RecordingListQuery,
  RecordingParams,
  RecordingSchema,
} from './schemas.ts';

/** /api/v1/calls/{callId}/recording and /api/v1/recordings: recording on demand, listing, download. */
export const recordingRoutes: FastifyPluginAsyncZod<{ recordings: RecordingService }> = async (
  app,
  { recordings },
) => {
  app.post(
    '/calls/:callId/recording',
    {
      schema: {
        summary: 'Start, pause, resume or stop recording a call',
        description:
          'One recording runs (or is paused) at a time. Paused time is left out of the file and its ' +
          'duration: pause while a caller reads out a card number.',
        tags: ['recordings'],
        operationId: 'recordCall',
        params: RecordingCallParams,
        body: RecordingCommandBody,
        response: { 200: envelope(RecordingSchema), ...v1Errors },
      },
    },
    async (request) => {
      const { action, recordingId } = request.body;
      return ok(await recordings.command(request.params.callId, action, recordingId));
    },
  );

  app.get(
    '/recordings',
    {
      schema: {
        summary: "A call's recordings, oldest first",
        tags: ['recordings'],
        operationId: 'listRecordings',
        querystring: RecordingListQuery,
        response: { 200: envelope(z.array(RecordingSchema)), ...v1Errors },
      },
    },
    async (request) => ok(await recordings.list(request.query.callId)),
  );

  app.get(
    '/recordings/:recordingId',
    {
      schema: {
        summary: 'Download a recording (audio/wav)',
        description:
          'The file once the recording stopped and was stored (`recording.stored`); 409 ' +
          'RECORDING_NOT_READY before, 410 RECORDING_DELETED once the retention policy deleted it.',
        tags: ['recordings'],
        operationId: 'downloadRecording',
        params: RecordingParams,
        response: {
          200: {
            description: 'The recording: 8 kHz mono 16-bit PCM WAV.',
            content: { 'audio/wav': { schema: z.string().meta({ format: 'binary' }) } },
          },
          ...v1Errors,
        },
      },
    },
    async (request, reply) => {
      const file = await recordings.download(request.params.recordingId);
      reply
        .type(file.contentType)
        .header('content-length', file.size)
        .header('content-disposition', `attachment; filename="${file.fileName}"`);
      // A stream goes out as it is, never through the serializer the schema's type speaks of.
      return reply.send(file.body as unknown as string);
    },
  );
};
