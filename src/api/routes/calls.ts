import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  addressInput,
  contextInput,
  dtmfDigits,
  envelope,
  idInput,
  ok,
  v1Errors,
} from '../../apps/http-kit/schemas.ts';
import type { CallSnapshot } from '../../core/call.ts';
import type { CallControl } from '../../engine/types.ts';
import { CallSnapshotSchema } from '../schemas/call.ts';

const OriginateBody = z.strictObject({
  from: addressInput(
    'Rings first (an agent phone or endpoint), then `to` is dialled; omit to dial `to` alone.',
  ).optional(),
  to: addressInput('Number (E.164 preferred) or endpoint (TECH/resource) to dial.'),
  context: contextInput.optional(),
  ringTimeoutMs: z
    .number()
    .int()
    .min(1_000)
    .max(600_000)
    .optional()
    .describe('How long the dialled party may ring; the engine default is 30 s.'),
});

/** The `:callId` of the call routes. */
export const CallParams = z.strictObject({ callId: idInput('The call id.') });
const DtmfBody = z.strictObject({ digits: dtmfDigits });

/** A call command's answer: the call after it. */
export const CallAnswer = envelope(CallSnapshotSchema);

/** Commands without a body: one route each, alike but for the verb. */
const PLAIN_COMMANDS: Record<
  'hangup' | 'answer' | 'hold' | 'unhold',
  { summary: string; run: (calls: CallControl, callId: string) => Promise<CallSnapshot> }
> = {
  hangup: {
    summary: 'End the call and all its legs (canceled before answer, normal after)',
    run: (calls, id) => calls.hangup(id),
  },
  answer: { summary: 'Answer an inbound call that is ringing', run: (calls, id) => calls.answer(id) },
  hold: { summary: 'Put the remote party on hold with music', run: (calls, id) => calls.hold(id) },
  unhold: { summary: 'Take the remote party off hold', run: (calls, id) => calls.unhold(id) },
};

/** /api/v1/calls: originate, inspect and command calls; every answer is enveloped (list: call-log.ts). */
export const callRoutes: FastifyPluginAsyncZod<{ calls: CallControl }> = async (app, { calls }) => {
  app.post(
    '/calls',
    {
      config: { idempotent: true },
      schema: {
        summary: 'Originate a call (click-to-dial)',
        description: 'Answers as soon as the call is placed; follow it with events or GET /calls/{callId}.',
        tags: ['calls'],
        operationId: 'originateCall',
        body: OriginateBody,
        response: { 201: CallAnswer, ...v1Errors },
      },
    },
    async (request, reply) => reply.code(201).send(ok(await calls.originate(request.body))),
  );

  app.get(
    '/calls/:callId',
    {
      schema: {
        summary: 'One call, live or finished',
        tags: ['calls'],
        operationId: 'getCall',
        params: CallParams,
        response: { 200: CallAnswer, ...v1Errors },
      },
    },
    async (request) => ok(await calls.get(request.params.callId)),
  );

  for (const [verb, command] of Object.entries(PLAIN_COMMANDS)) {
    app.post(
      `/calls/:callId/${verb}`,
      {
        schema: {
          summary: command.summary,
          tags: ['calls'],
          operationId: `${verb}Call`,
          params: CallParams,
          response: { 200: CallAnswer, ...v1Errors },
        },
      },
      async (request) => ok(await command.run(calls, request.params.callId)),
    );
  }

  app.post(
    '/calls/:callId/dtmf',
    {
      schema: {
        summary: 'Send DTMF digits to the remote party',
        tags: ['calls'],
        operationId: 'sendCallDtmf',
        params: CallParams,
        body: DtmfBody,
        response: { 200: CallAnswer, ...v1Errors },
      },
    },
    async (request) => ok(await calls.sendDtmf(request.params.callId, request.body.digits)),
  );
};
