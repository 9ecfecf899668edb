import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { envelope, idInput, isoTime, ok, v1Errors } from '../../apps/http-kit/schemas.ts';
import { SwitchboardError } from '../../core/errors.ts';
import type { AgentSessions } from '../sessions.ts';

const password = z.string().min(8).max(256).describe('At least 8 characters.');
const SessionSchema = z
  .object({
    token: z
      .string()
      .describe('Send as `Authorization: Bearer …` (or `?token=` to Socket.io); acts as an agent key.'),
    expiresAt: isoTime('When the token stops working (refresh before).'),
  })
  .meta({ id: 'AgentSession' });
const tags = ['keys'];

/** Console sessions of agents: password login, refresh, logout; and setting an agent's password. */
export const sessionRoutes: FastifyPluginAsyncZod<{ sessions: AgentSessions }> = async (
  app,
  { sessions },
) => {
  app.put(
    '/agents/:agentId/password',
    {
      schema: {
        summary: "Set an agent's console password (the agent itself, or an admin or supervisor)",
        tags,
        operationId: 'setAgentPassword',
        params: z.strictObject({ agentId: idInput('The agent id.') }),
        body: z.strictObject({ password }),
        response: { 200: envelope(z.object({ agentId: z.string() })), ...v1Errors },
      },
    },
    async (request) => {
      await sessions.setPassword(request.params.agentId, request.body.password);
      return ok({ agentId: request.params.agentId });
    },
  );

  app.post(
    '/sessions',
    {
      schema: {
        summary: 'Log an agent in to the console: a short-lived token that acts as its agent key',
        description: 'No key needed; 401 UNAUTHORIZED for a wrong agent id or password (the same for both).',
        tags,
        operationId: 'login',
        body: z.strictObject({ agentId: idInput('The agent id.'), password: z.string().min(1).max(256) }),
        response: { 201: envelope(SessionSchema.extend({ agentId: z.string() })), ...v1Errors },
      },
    },
    async (request, reply) => {
      const session = await sessions.login(request.body.agentId, request.body.password);
      return reply.code(201).send(ok({ ...session, agentId: request.body.agentId }));
    },
  );

  app.post(
    '/sessions/refresh',
    {
      schema: {
        summary: 'Swap the session token presented for a new one (the old one stops working)',
        tags,
        operationId: 'refreshSession',
        response: { 200: envelope(SessionSchema), ...v1Errors },
      },
    },
    async (request) => ok(await sessions.refresh(principalOf(request.principal))),
  );

  app.delete(
    '/sessions/current',
    {
      schema: {
        summary: 'Log out: the session token presented is refused from the next request on',
        tags,
        operationId: 'logout',
        response: { 200: envelope(z.object({ loggedOut: z.literal(true) })), ...v1Errors },
      },
    },
    async (request) => {
      await sessions.logout(principalOf(request.principal));
      return ok({ loggedOut: true as const });
    },
  );
};

function principalOf<T>(principal: T | undefined): T {
  if (principal === undefined) throw new SwitchboardError('UNAUTHORIZED');
  return principal;
}
