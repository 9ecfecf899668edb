import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AGENT_ROLES, AGENT_STATES, type Agent, type AgentProfile } from '../../core/agent.ts';
import { SwitchboardError } from '../../core/errors.ts';
import type { AgentStateLogRepository } from '../../store/types.ts';
import { checkBodyId, envelope, exists, isoTimeInput, ok, v1Errors } from '../http-kit/schemas.ts';
import type { AcdService } from './acd-service.ts';
import { AgentSchema, AgentStateEntrySchema, type acdSchemas, applyAgentPatch } from './schemas.ts';

export interface AgentRouteOptions {
  readonly acd: AcdService;
  /** The ACD input schemas, built for the server's default country. */
  readonly schemas: ReturnType<typeof acdSchemas>;
  /** The agent state log; GET /agents/{agentId}/states is served only with it. */
  readonly stateLog?: Pick<AgentStateLogRepository, 'list'>;
}

const AgentParams = z.strictObject({
  agentId: z.string().min(1).max(128).describe('The agent id, e.g. dispatcher-001.'),
});

const ListQuery = z.strictObject({
  state: z
    .string()
    .transform((value) => value.split(',').map((part) => part.trim()))
    .pipe(z.array(z.enum(AGENT_STATES)))
    .optional()
    .describe(`Comma-separated states, any of: ${AGENT_STATES.join(', ')}.`),
  role: z.enum(AGENT_ROLES).optional().describe('Only agents with this role.'),
  team: z.string().min(1).max(64).optional().describe('Only members of this team.'),
});

// Nullish: Fastify reads a request without a body as null, and a bare pause means a break.
const PauseBody = z
  .strictObject({
    reason: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .default('break')
      .describe('Reason code reported with the away state (`break`, `lunch`, `training`, ...).'),
  })
  .nullish();

const STATES_MAX = 10_000;
const StatesQuery = z.strictObject({
  since: isoTimeInput('Changes at or after this instant.').optional(),
  until: isoTimeInput('Changes before this instant.').optional(),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(STATES_MAX)
    .default(100)
    .describe(`At most this many, 1..${STATES_MAX}.`),
});

const AgentAnswer = envelope(AgentSchema);
const Deleted = envelope(z.object({ id: z.string(), deleted: z.literal(true) }));

/** Agent commands without a body beyond the id: one route each, alike but for the verb. */
const PLAIN_COMMANDS: Record<
  'login' | 'logout' | 'unpause',
  { summary: string; run: (acd: AcdService, agentId: string) => Promise<Agent> }
> = {
  login: {
    summary: 'Log the agent in: available for calls from their queues',
    run: (acd, id) => acd.login(id),
  },
  logout: {
    summary: 'Log the agent out (an offer ringing them goes back to its queue)',
    run: (acd, id) => acd.logout(id),
  },
  unpause: { summary: 'Make an away agent available again', run: (acd, id) => acd.unpause(id) },
};

function profileOf(agent: Agent): AgentProfile {
  // The phone's password is not in the view: the ACD keeps the one it has.
  const { status: _live, ...profile } = agent;
  return profile;
}

/** /api/v1/agents: agent profiles, their live state, log-in and pause, and the state log. */
export const agentRoutes: FastifyPluginAsyncZod<AgentRouteOptions> = async (app, options) => {
  const { acd, schemas, stateLog } = options;
  const AgentReplace = schemas.AgentInput.extend({
    id: schemas.AgentInput.shape.id.optional().describe('The agent id of the path, or absent.'),
  });

  app.get(
    '/agents',
    {
      schema: {
        summary: 'List agents with their live state',
        tags: ['agents'],
        operationId: 'listAgents',
        querystring: ListQuery,
        response: { 200: envelope(z.array(AgentSchema)), ...v1Errors },
      },
    },
    async (request) => {
      const { state, role, team } = request.query;
      const agents = acd
        .listAgents()
        .filter(
          (agent) =>
            (state === undefined || state.includes(agent.status.state)) &&
            (role === undefined || agent.roles.includes(role)) &&
            (team === undefined || agent.teams.includes(team)),
        );
      return ok(agents);
    },
  );

  app.post(
    '/agents',
    {
      schema: {
        summary: 'Create an agent (logged out)',
        tags: ['agents'],
        operationId: 'createAgent',
        body: schemas.AgentInput,
        response: { 201: AgentAnswer, ...v1Errors },
      },
    },
    async (request, reply) => {
      const { id } = request.body;
      if (exists(() => acd.getAgent(id))) {
        throw new SwitchboardError(
          'DUPLICATE',
          `An agent with id "${id}" exists already; change it with PUT or PATCH /api/v1/agents/${id}.`,
          { agentId: id },
        );
      }
      return reply.code(201).send(ok(await acd.saveAgent(request.body)));
    },
  );

  app.get(
    '/agents/:agentId',
    {
      schema: {
        summary: 'One agent with their live state',
        tags: ['agents'],
        operationId: 'getAgent',
        params: AgentParams,
        response: { 200: AgentAnswer, ...v1Errors },
      },
    },
    async (request) => ok(acd.getAgent(request.params.agentId)),
  );

  app.put(
    '/agents/:agentId',
    {
      schema: {
        summary: "Replace an agent's profile; their live state stays",
        tags: ['agents'],
        operationId: 'replaceAgent',
        params: AgentParams,
        body: AgentReplace,
        response: { 200: AgentAnswer, ...v1Errors },
      },
    },
    async (request) => {
      const { agentId } = request.params;
      checkBodyId(request.body.id, agentId);
      // Replacing is not creating: POST /agents does that, and refuses duplicates.
      acd.getAgent(agentId);
      return ok(await acd.saveAgent({ ...request.body, id: agentId }));
    },
  );

  app.patch(
    '/agents/:agentId',
    {
      schema: {
        summary: "Change some fields of an agent's profile",
        tags: ['agents'],
        operationId: 'updateAgent',
        params: AgentParams,
        body: schemas.AgentPatch,
        response: { 200: AgentAnswer, ...v1Errors },
      },
    },
    async (request) => {
      const current = profileOf(acd.getAgent(request.params.agentId));
      return ok(await acd.saveAgent(applyAgentPatch(current, request.body)));
    },
  );

  app.delete(
    '/agents/:agentId',
    {
      schema: {
        summary: 'Delete an agent who is logged out',
        tags: ['agents'],
        operationId: 'deleteAgent',
        params: AgentParams,
        response: { 200: Deleted, ...v1Errors },
      },
    },
    async (request) => {
      await acd.deleteAgent(request.params.agentId);
      return ok({ id: request.params.agentId, deleted: true as const });
    },
  );

  for (const [verb, command] of Object.entries(PLAIN_COMMANDS)) {
    app.post(
      `/agents/:agentId/${verb}`,
      {
        schema: {
          summary: command.summary,
          tags: ['agents'],
          operationId: `${verb}Agent`,
          params: AgentParams,
          response: { 200: AgentAnswer, ...v1Errors },
        },
      },
      async (request) => ok(await command.run(acd, request.params.agentId)),
    );
  }

  app.post(
    '/agents/:agentId/pause',
    {
      schema: {
        summary: 'Make the agent away with a reason (an offer ringing them goes back to its queue)',
        tags: ['agents'],
        operationId: 'pauseAgent',
        params: AgentParams,
        body: PauseBody,
        response: { 200: AgentAnswer, ...v1Errors },
      },
    },
    async (request) => ok(await acd.pause(request.params.agentId, request.body?.reason ?? 'break')),
  );

  if (stateLog) {
    app.get(
      '/agents/:agentId/states',
      {
        schema: {
          summary: "The agent's state changes, oldest first, for reporting",
          tags: ['agents'],
          operationId: 'listAgentStates',
          params: AgentParams,
          querystring: StatesQuery,
          response: { 200: envelope(z.array(AgentStateEntrySchema)), ...v1Errors },
        },
      },
      async (request) => {
        const { agentId } = request.params;
        // An unknown agent is a 404, not an empty history that hides a misspelt id.
        acd.getAgent(agentId);
        return ok(await stateLog.list({ agentId, ...request.query }));
      },
    );
  }
};
