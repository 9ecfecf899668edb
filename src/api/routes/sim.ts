import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { dtmfDigits, envelope, idInput, isoTime, ok, v1Errors } from '../../apps/http-kit/schemas.ts';
import { SwitchboardError } from '../../core/errors.ts';
import {
  HangupCauseSchema,
  SimChannelSchema,
  type SimControls,
  SimInboundBody,
  SimProfileRuleBody,
  SimProfileRuleSchema,
  SimRejectCauseSchema,
} from '../sim-controls.ts';

const SEVEN_DAYS_MS = 7 * 24 * 60 * 60 * 1000;

const ChannelParams = z.strictObject({ channelId: idInput('A simulator channel id.') });
const EndpointParams = z.strictObject({
  endpoint: z.string().min(1).max(128).describe("A phone: an agent's phone extension (`1003`)."),
});
// Nullish: Fastify reads a request without a body as null.
const HangupBody = z
  .strictObject({ cause: HangupCauseSchema.optional().describe('`normal` unless set.') })
  .nullish();
const RejectBody = z
  .strictObject({ cause: SimRejectCauseSchema.optional().describe('`rejected` unless set.') })
  .nullish();
const DtmfBody = z.strictObject({
  digits: dtmfDigits,
  interDigitMs: z.number().int().min(0).max(10_000).optional().describe('Pause between digits.'),
});
const AdvanceBody = z.strictObject({
  ms: z.number().int().min(0).max(SEVEN_DAYS_MS).describe('How far to move virtual time (up to 7 days).'),
});
const MatchQuery = z.strictObject({ match: z.string().min(1).max(128).describe('The `match` of the rule.') });

const ChannelAnswer = envelope(z.object({ channelId: z.string() }));
const ClockAnswer = envelope(
  z.object({ now: isoTime('Simulator time.'), virtual: z.boolean().describe('False on the real clock.') }),
);

/** What the remote party of a channel can do without saying more. */
const PLAIN_PARTY_ACTIONS: Record<
  'answer' | 'hold' | 'unhold',
  { summary: string; run: (sim: SimControls, channelId: string) => void | Promise<void> }
> = {
  answer: {
    summary: 'The remote party of a ringing outbound channel answers',
    run: (sim, id) => sim.partyAnswer(id),
  },
  hold: { summary: 'The remote party puts the call on hold', run: (sim, id) => sim.partyHold(id) },
  unhold: { summary: 'The remote party takes the call off hold', run: (sim, id) => sim.partyUnhold(id) },
};

const operationId = (action: string) => `simParty${action.charAt(0).toUpperCase()}${action.slice(1)}`;

/** /api/v1/sim: script the simulated phone system, act as its remote parties, move its clock. */
export const simRoutes: FastifyPluginAsyncZod<{ sim: SimControls }> = async (app, { sim }) => {
  app.get(
    '/profiles',
    {
      schema: {
        summary: 'List the remote-party profiles',
        tags: ['simulator'],
        operationId: 'listSimProfiles',
        response: { 200: envelope(z.array(SimProfileRuleSchema)), ...v1Errors },
      },
    },
    async () => ok([...sim.listProfiles()]),
  );

  app.put(
    '/profiles',
    {
      schema: {
        summary: 'Add or replace (by match) a remote-party profile',
        tags: ['simulator'],
        operationId: 'putSimProfile',
        body: SimProfileRuleBody,
        response: { 200: envelope(SimProfileRuleSchema), ...v1Errors },
      },
    },
    async (request) => {
      await sim.setProfile(request.body);
      return ok(request.body);
    },
  );

  app.delete(
    '/profiles',
    {
      schema: {
        summary: 'Remove the profile with that match',
        tags: ['simulator'],
        operationId: 'deleteSimProfile',
        querystring: MatchQuery,
        response: { 200: envelope(z.object({ removed: z.boolean() })), ...v1Errors },
      },
    },
    async (request) => ok({ removed: sim.removeProfile(request.query.match) }),
  );

  app.post(
    '/inbound',
    {
      config: { idempotent: true },
      schema: {
        summary: 'A remote party calls in',
        tags: ['simulator'],
        operationId: 'placeSimInbound',
        body: SimInboundBody,
        response: { 200: ChannelAnswer, ...v1Errors },
      },
    },
    async (request) => ok({ channelId: sim.placeInboundCall(request.body) }),
  );

  app.get(
    '/channels',
    {
      schema: {
        summary: 'The simulator channels',
        tags: ['simulator'],
        operationId: 'listSimChannels',
        response: { 200: envelope(z.array(SimChannelSchema)), ...v1Errors },
      },
    },
    async () => ok([...sim.channels()]),
  );

  for (const [action, { summary, run }] of Object.entries(PLAIN_PARTY_ACTIONS)) {
    app.post(
      `/channels/:channelId/${action}`,
      {
        schema: {
          summary,
          tags: ['simulator'],
          operationId: operationId(action),
          params: ChannelParams,
          response: { 200: ChannelAnswer, ...v1Errors },
        },
      },
      async (request) => {
        await run(sim, request.params.channelId);
        return ok({ channelId: request.params.channelId });
      },
    );
  }

  app.post(
    '/channels/:channelId/hangup',
    {
      schema: {
        summary: 'The remote party hangs up',
        tags: ['simulator'],
        operationId: operationId('hangup'),
        params: ChannelParams,
        body: HangupBody,
        response: { 200: ChannelAnswer, ...v1Errors },
      },
    },
    async (request) => {
      await sim.partyHangup(request.params.channelId, request.body?.cause);
      return ok({ channelId: request.params.channelId });
    },
  );

  app.post(
    '/channels/:channelId/reject',
    {
      schema: {
        summary: 'The remote party declines a ringing outbound channel',
        tags: ['simulator'],
        operationId: operationId('reject'),
        params: ChannelParams,
        body: RejectBody,
        response: { 200: ChannelAnswer, ...v1Errors },
      },
    },
    async (request) => {
      await sim.partyReject(request.params.channelId, request.body?.cause);
      return ok({ channelId: request.params.channelId });
    },
  );

  app.post(
    '/channels/:channelId/dtmf',
    {
      schema: {
        summary: 'The remote party presses digits',
        tags: ['simulator'],
        operationId: operationId('dtmf'),
        params: ChannelParams,
        body: DtmfBody,
        response: { 200: ChannelAnswer, ...v1Errors },
      },
    },
    async (request) => {
      await sim.partySendDtmf(request.params.channelId, request.body.digits, request.body.interDigitMs);
      return ok({ channelId: request.params.channelId });
    },
  );

  for (const [action, registered] of [
    ['register', true],
    ['unregister', false],
  ] as const) {
    app.post(
      `/endpoints/:endpoint/${action}`,
      {
        schema: {
          summary: registered ? 'A phone registers' : 'A phone leaves (un-registers)',
          tags: ['simulator'],
          operationId: registered ? 'registerSimPhone' : 'unregisterSimPhone',
          params: EndpointParams,
          response: {
            200: envelope(z.object({ endpoint: z.string(), registered: z.boolean() })),
            ...v1Errors,
          },
        },
      },
      async (request) => {
        await sim.setPhoneRegistered(request.params.endpoint, registered);
        return ok({ endpoint: request.params.endpoint, registered });
      },
    );
  }

  app.get(
    '/clock',
    {
      schema: {
        summary: 'Simulator time and whether it is virtual',
        tags: ['simulator'],
        operationId: 'getSimClock',
        response: { 200: ClockAnswer, ...v1Errors },
      },
    },
    async () =>
      ok({ now: new Date(sim.clock?.now() ?? Date.now()).toISOString(), virtual: sim.clock !== undefined }),
  );

  app.post(
    '/clock/advance',
    {
      schema: {
        summary: 'Move virtual time forward, running every timer due on the way',
        tags: ['simulator'],
        operationId: 'advanceSimClock',
        body: AdvanceBody,
        response: {
          200: envelope(z.object({ now: isoTime('Simulator time after advancing.') })),
          ...v1Errors,
        },
      },
    },
    async (request) => {
      const clock = sim.clock;
      if (!clock)
        throw new SwitchboardError(
          'SIMULATOR_ONLY',
          'The simulator runs on the real clock; time cannot be advanced.',
        );
      await clock.advance(request.body.ms);
      return ok({ now: new Date(clock.now()).toISOString() });
    },
  );

  app.post(
    '/reset',
    {
      schema: {
        summary: 'End every simulator channel and forget every profile',
        tags: ['simulator'],
        operationId: 'resetSim',
        response: { 200: envelope(z.object({ reset: z.literal(true) })), ...v1Errors },
      },
    },
    async () => {
      await sim.reset();
      return ok({ reset: true as const });
    },
  );
};

/** Without the simulator every /api/v1/sim path answers 409 SIMULATOR_ONLY, which says why, not 404. */
export const simUnavailableRoutes: FastifyPluginAsyncZod = async (app) => {
  app.all('/*', { schema: { hide: true } }, async () => {
    throw new SwitchboardError('SIMULATOR_ONLY', 'This server does not run the simulator driver.');
  });
};
