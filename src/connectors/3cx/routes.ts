import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { envelope, ok, v1Errors } from '../../apps/http-kit/schemas.ts';
import { SwitchboardError } from '../../core/errors.ts';
import type { PbxCall } from './pbx-call.ts';
import { toE164 } from './pbx-call.ts';
import {
  AlertBody,
  AlertListQuery,
  AlertParams,
  AlertSchema,
  CompletedPbxCallSchema,
  FromPbxBody,
  GroupParams,
  HealthSchema,
  PbxCallParams,
  PbxCallSchema,
  PendingQuery,
  PollSchema,
  StatusSchema,
  UserParams,
} from './schemas.ts';
import type { ThreeCxService } from './threecx-service.ts';

const BASE = '/integrations/3cx';
const tags = ['3cx'];

/** A call as the integration API reports it: answered at `timestamp` when it lasted, ended `callDuration` later. */
function reported(body: z.output<typeof FromPbxBody>, country: CountryCode): PbxCall {
  const start = Date.parse(body.timestamp);
  const startedAt = new Date(start).toISOString();
  const answered = body.callDuration > 0;
  return {
    pbxCallId: body.pbxCallId,
    direction: body.callDirection,
    phoneNumber: toE164(body.phoneNumber, country),
    ...(body.callOwnerExtension && { ownerExtension: body.callOwnerExtension }),
    startedAt,
    ...(answered && { answeredAt: startedAt }),
    endedAt: new Date(start + body.callDuration * 1000).toISOString(),
    endReason: answered ? 'normal' : 'no_answer',
    rungExtensions: [],
  };
}

/** /api/v1/integrations/3cx: PBX calls pending for their users, call-group alerts, the import's state. */
export const threecxRoutes: FastifyPluginAsyncZod<{ threecx: ThreeCxService; country: CountryCode }> = async (
  app,
  { threecx, country },
) => {
  app.post(
    `${BASE}/calls/from-pbx`,
    {
      schema: {
        summary: 'Report a PBX call (logged once per pbxCallId)',
        description: 'A second report of the same pbxCallId answers 409 DUPLICATE.',
        tags,
        operationId: 'reportPbxCall',
        body: FromPbxBody,
        response: { 201: envelope(PbxCallSchema), ...v1Errors },
      },
    },
    async (request, reply) => {
      const call = reported(request.body, country);
      return reply.code(201).send(ok(await threecx.fromPbx(call, request.body.callOwnerEmail ?? null)));
    },
  );

  app.get(
    `${BASE}/calls/pending-pbx`,
    {
      schema: {
        summary: 'PBX calls no user has completed yet, oldest first',
        tags,
        operationId: 'listPendingPbxCalls',
        querystring: PendingQuery,
        response: { 200: envelope(z.array(PbxCallSchema)), ...v1Errors },
      },
    },
    async (request) => ok(await threecx.pending(undefined, request.query.limit)),
  );

  app.get(
    `${BASE}/calls/user/:email/pending-pbx`,
    {
      schema: {
        summary: "One user's PBX calls not completed yet, oldest first",
        tags,
        operationId: 'listUserPendingPbxCalls',
        params: UserParams,
        querystring: PendingQuery,
        response: { 200: envelope(z.array(PbxCallSchema)), ...v1Errors },
      },
    },
    async (request) => ok(await threecx.pending(request.params.email.toLowerCase(), request.query.limit)),
  );

  app.post(
    `${BASE}/calls/:pbxCallId/complete`,
    {
      schema: {
        summary: 'Mark a PBX call completed by its user',
        description: 'It leaves the pending lists; completing it again keeps the first time.',
        tags,
        operationId: 'completePbxCall',
        params: PbxCallParams,
        response: { 200: envelope(CompletedPbxCallSchema), ...v1Errors },
      },
    },
    async (request) => ok(await threecx.complete(request.params.pbxCallId)),
  );

  app.post(
    `${BASE}/alerts/call-groups`,
    {
      schema: {
        summary: 'Raise a call-group alert',
        description: 'One alert is active per group and type: while one is, this answers 409 DUPLICATE.',
        tags,
        operationId: 'raiseCallGroupAlert',
        body: AlertBody,
        response: { 201: envelope(AlertSchema), ...v1Errors },
      },
    },
    async (request, reply) => {
      const { alert, created } = await threecx.alerts.raise(request.body);
      if (!created) {
        throw new SwitchboardError(
          'DUPLICATE',
          'That group has an active alert of that type; resolve it first.',
          {
            alert,
          },
        );
      }
      return reply.code(201).send(ok(alert));
    },
  );

  app.get(
    `${BASE}/alerts/call-groups`,
    {
      schema: {
        summary: 'Call-group alerts, newest first',
        tags,
        operationId: 'listCallGroupAlerts',
        querystring: AlertListQuery,
        response: { 200: envelope(z.array(AlertSchema)), ...v1Errors },
      },
    },
    async (request) => {
      const { active, limit } = request.query;
      return ok(
        await threecx.alerts.list({ ...(active !== undefined && { active: active === 'true' }), limit }),
      );
    },
  );

  app.get(
    `${BASE}/alerts/call-groups/:groupId`,
    {
      schema: {
        summary: "One group's alerts, newest first",
        tags,
        operationId: 'listGroupAlerts',
        params: GroupParams,
        querystring: AlertListQuery,
        response: { 200: envelope(z.array(AlertSchema)), ...v1Errors },
      },
    },
    async (request) => {
      const { active, limit } = request.query;
      const filter = { callGroupId: request.params.groupId, limit };
      return ok(
        await threecx.alerts.list({ ...filter, ...(active !== undefined && { active: active === 'true' }) }),
      );
    },
  );

  app.put(
    `${BASE}/alerts/call-groups/:id/resolve`,
    {
      schema: {
        summary: 'Resolve a call-group alert',
        tags,
        operationId: 'resolveCallGroupAlert',
        params: AlertParams,
        response: { 200: envelope(AlertSchema), ...v1Errors },
      },
    },
    async (request) => ok(await threecx.alerts.resolve(request.params.id)),
  );

  app.get(
    `${BASE}/status`,
    {
      schema: {
        summary: "The import's state",
        tags,
        operationId: 'threecxStatus',
        response: { 200: envelope(StatusSchema), ...v1Errors },
      },
    },
    async () => ok(threecx.status()),
  );

  app.get(
    `${BASE}/health`,
    {
      schema: {
        summary: 'Whether the CDR database answers and the Active Socket listens',
        tags,
        operationId: 'threecxHealth',
        response: { 200: envelope(HealthSchema), ...v1Errors },
      },
    },
    async () => ok(threecx.health()),
  );

  app.post(
    `${BASE}/trigger/poll`,
    {
      schema: {
        summary: 'Poll the CDR database now',
        description: '503 CONNECTOR_UNAVAILABLE when it cannot be reached; the import retries by itself.',
        tags,
        operationId: 'threecxPoll',
        response: { 200: envelope(PollSchema), ...v1Errors },
      },
    },
    async () => ok(await threecx.pollNow()),
  );

  app.post(
    `${BASE}/trigger/alerts`,
    {
      schema: {
        summary: 'Check the watched call groups for agents now',
        description: 'Answers the NO_AGENTS alerts raised; outside business hours, none.',
        tags,
        operationId: 'threecxCheckAlerts',
        response: { 200: envelope(z.array(AlertSchema)), ...v1Errors },
      },
    },
    async () => ok(await threecx.checkAlerts()),
  );
};
