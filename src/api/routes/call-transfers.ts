import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addressInput, ok, v1Errors } from '../../apps/http-kit/schemas.ts';
import { TRANSFER_KINDS } from '../../core/call.ts';
import type { CallControl } from '../../engine/types.ts';
import { CallAnswer, CallParams } from './calls.ts';

const TransferBody = z.strictObject({
  to: addressInput('Where to send the remote party: a number, an endpoint or an agent id.'),
  mode: z
    .enum(TRANSFER_KINDS)
    .default('blind')
    .describe(
      'blind (default): the transferring party leaves at once. attended: the remote party waits on hold while the transferring party consults `to`; then POST .../transfer/complete or .../transfer/cancel.',
    ),
});

/** /api/v1/calls/:callId/transfer: blind and attended transfers, and the completion or cancellation of an attended one. */
export const callTransferRoutes: FastifyPluginAsyncZod<{ calls: CallControl }> = async (app, { calls }) => {
  app.post(
    '/calls/:callId/transfer',
    {
      schema: {
        summary: 'Transfer the remote party to another number, endpoint or agent (blind or attended)',
        description:
          'A call that is ringing cannot be transferred (409 INVALID_STATE). An attended transfer to an agent offers them the call (`call.offered` with `transfer`); if the target refuses, rings out or hangs up, the transferring party is back with the remote party (`call.transfer.failed`).',
        tags: ['calls'],
        operationId: 'transferCall',
        params: CallParams,
        body: TransferBody,
        response: { 200: CallAnswer, ...v1Errors },
      },
    },
    async (request) =>
      ok(await calls.transfer(request.params.callId, request.body.to, { mode: request.body.mode })),
  );

  app.post(
    '/calls/:callId/transfer/complete',
    {
      schema: {
        summary:
          'Complete an attended transfer: the remote party with the target, the transferring party leaves',
        description:
          'Before the target answered, the transferring party leaves and the remote party waits on hold for the target. 409 INVALID_STATE when no attended transfer is in progress.',
        tags: ['calls'],
        operationId: 'completeCallTransfer',
        params: CallParams,
        response: { 200: CallAnswer, ...v1Errors },
      },
    },
    async (request) => ok(await calls.completeTransfer(request.params.callId)),
  );

  app.post(
    '/calls/:callId/transfer/cancel',
    {
      schema: {
        summary:
          'Cancel an attended transfer: the target is hung up, the transferring party is back with the remote party',
        description: '409 INVALID_STATE when no attended transfer is in progress.',
        tags: ['calls'],
        operationId: 'cancelCallTransfer',
        params: CallParams,
        response: { 200: CallAnswer, ...v1Errors },
      },
    },
    async (request) => ok(await calls.cancelTransfer(request.params.callId)),
  );
};
