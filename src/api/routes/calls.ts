import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CallRecordSource } from '../../apps/app-contract.ts';
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
import { isSwitchboardError } from '../../core/errors.ts';
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

/**
 * /api/v1/calls: originate, inspect and command calls (the list: call-log.ts); every answer is enveloped. GET /calls/:id
 * also answers the apps' own call records (`records`) for ids the engine does not know.
 */
export const callRoutes: FastifyPluginAsyncZod<{
  calls: CallControl;
  records?: readonly CallRecordSource[];
}> = async (app, { calls, records = [] }) => {
  const [first, ...more] = records.map((r) => r.schema);
  const oneCall = first === undefined ? CallAnswer : envelope(z.union([CallSnapshotSchema, first, ...more]));
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
        summary: 'One call, live or finished (or an outbound call log, by its callLogId)',
        tags: ['calls'],
        operationId: 'getCall',
        params: CallParams,
        response: { 200: oneCall, ...v1Errors },
      },
    },
    async (request) => ok(await findCall(calls, records, request.params.callId)),
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

/** A call the engine knows, else the first app record by that id, else the engine's CALL_NOT_FOUND. */
async function findCall(
  calls: CallControl,
  records: readonly CallRecordSource[],
  id: string,
): Promise<unknown> {
  try {
    return await calls.get(id);
  } catch (error) {
    if (!isSwitchboardError(error) || error.code !== 'CALL_NOT_FOUND') throw error;
    for (const source of records) {
      const found = await source.find(id);
      if (found !== undefined) return found;
    }
    throw error;
  }
}
