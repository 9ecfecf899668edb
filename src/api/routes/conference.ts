import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addressInput, envelope, idInput, ok, v1Errors } from '../../apps/http-kit/schemas.ts';
import type { CallConference } from '../../engine/types.ts';
import { CallSnapshotSchema, ParticipantSchema } from '../schemas/call.ts';

const CallParams = z.strictObject({ callId: idInput('The call id.') });
const ParticipantParams = z.strictObject({
  callId: idInput('The call id.'),
  participantId: idInput('The party, as `participants[].id` names it.'),
});

const AddBody = z.strictObject({
  to: addressInput('Who joins: an agent id (their phone rings), an endpoint or a number.'),
  role: z
    .enum(['participant', 'listener'])
    .optional()
    .describe('participant (default) hears and is heard; listener hears everyone and stays muted.'),
  endWhenOwnerLeaves: z
    .boolean()
    .optional()
    .describe(
      'Whether the call ends when its owner leaves; the site setting (CONFERENCE_END_WITH_OWNER) otherwise.',
    ),
});

const CallAnswer = envelope(CallSnapshotSchema);
const Added = envelope(
  z.object({ participant: ParticipantSchema, call: CallSnapshotSchema }),
  'The party being dialled (its id removes or mutes it), and the call.',
);

/** /api/v1/calls/:callId/participants: a conference's parties, added, removed, muted. */
export const conferenceRoutes: FastifyPluginAsyncZod<{ conference: CallConference }> = async (
  app,
  { conference },
) => {
  app.post(
    '/calls/:callId/participants',
    {
      // A retried request must not ring a second phone.
      config: { idempotent: true },
      schema: {
        summary: 'Add a party to an answered call, making it a conference',
        description:
          'The party is dialled and joins once it answers (`call.participant.joined`). The call goes on while ' +
          'two or more parties are connected. More parties than CONFERENCE_MAX_PARTICIPANTS: 409 CONFERENCE_FULL.',
        tags: ['calls'],
        operationId: 'addCallParticipant',
        params: CallParams,
        body: AddBody,
        response: { 201: Added, ...v1Errors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(ok(await conference.addParticipant(request.params.callId, request.body))),
  );

  app.delete(
    '/calls/:callId/participants/:participantId',
    {
      schema: {
        summary: 'Remove a party from a conference (a ringing one stops ringing)',
        tags: ['calls'],
        operationId: 'removeCallParticipant',
        params: ParticipantParams,
        response: { 200: CallAnswer, ...v1Errors },
      },
    },
    async (request) =>
      ok(await conference.removeParticipant(request.params.callId, request.params.participantId)),
  );

  for (const [verb, muted] of [
    ['mute', true],
    ['unmute', false],
  ] as const) {
    app.post(
      `/calls/:callId/participants/:participantId/${verb}`,
      {
        schema: {
          summary: muted ? 'Mute a party: nobody hears them' : 'Unmute a party',
          tags: ['calls'],
          operationId: `${verb}CallParticipant`,
          params: ParticipantParams,
          response: { 200: CallAnswer, ...v1Errors },
        },
      },
      async (request) =>
        ok(await conference.muteParticipant(request.params.callId, request.params.participantId, muted)),
    );
  }
};
