import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctiErrors } from '../../apps/http-kit/schemas.ts';
import type { CallControl } from '../../engine/types.ts';
import {
  CtiCallBody,
  CtiCallResponse,
  CtiHangupBody,
  CtiHangupResponse,
  CtiStatusQuery,
  CtiStatusResponse,
  CtiTransferBody,
  CtiTransferResponse,
  toCtiCall,
  toCtiHangup,
  toCtiStatus,
  toCtiTransfer,
} from '../cti-shapes.ts';

/** /api/cti: the mock-CTI contract existing integrations call; bare JSON, no envelope. */
export const ctiRoutes: FastifyPluginAsyncZod<{ calls: CallControl }> = async (app, { calls }) => {
  app.post(
    '/call',
    {
      config: { idempotent: true },
      schema: {
        summary: 'Place a call from an agent phone to a number',
        tags: ['mock-cti'],
        operationId: 'ctiCall',
        body: CtiCallBody,
        response: { 200: CtiCallResponse, ...ctiErrors },
      },
    },
    async (request) => toCtiCall(await calls.originate(request.body)),
  );

  app.post(
    '/hangup',
    {
      schema: {
        summary: 'End a call',
        tags: ['mock-cti'],
        operationId: 'ctiHangup',
        body: CtiHangupBody,
        response: { 200: CtiHangupResponse, ...ctiErrors },
      },
    },
    async (request) => toCtiHangup(await calls.hangup(request.body.callId)),
  );

  app.post(
    '/transfer',
    {
      schema: {
        summary: 'Blind-transfer a call',
        tags: ['mock-cti'],
        operationId: 'ctiTransfer',
        body: CtiTransferBody,
        response: { 200: CtiTransferResponse, ...ctiErrors },
      },
    },
    async (request) =>
      toCtiTransfer(await calls.transfer(request.body.callId, request.body.to), request.body.to),
  );

  app.get(
    '/status',
    {
      schema: {
        summary: 'Status of a call',
        description: 'An unknown call answers 404 `{ "error": "..." }`.',
        tags: ['mock-cti'],
        operationId: 'ctiStatus',
        querystring: CtiStatusQuery,
        response: { 200: CtiStatusResponse, ...ctiErrors },
      },
    },
    async (request) => toCtiStatus(await calls.get(request.query.callId)),
  );
};
