import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { envelope, idInput, isoTime, ok, v1Errors } from '../../apps/http-kit/schemas.ts';
import { AuditTrail } from '../audit.ts';
import type { Authenticator } from '../auth.ts';

const ROLES = ['admin', 'supervisor', 'agent', 'integration'] as const;
const SCOPE = /^(\*|[a-z][a-z0-9-]*:(read|write|\*))$/;

/** POST /api/v1/keys. */
export const CreateKeyBody = z.strictObject({
  name: z.string().min(1).max(128).describe('Who or what uses it ("CRM", "Alice’s console").'),
  role: z
    .enum(ROLES)
    .describe(
      'admin: everything; supervisor: calls, agents, queues; integration: all but keys and audit; agent: its own calls and state.',
    ),
  agentId: idInput('For role agent: the agent it acts for.').optional(),
  scopes: z
    .array(z.string().regex(SCOPE, 'use resource:read, resource:write, resource:* or *'))
    .min(1)
    .max(50)
    .optional()
    .describe('Further limits: only these (`calls:write`, `events:read`, `webhooks:*`).'),
});

const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    agentId: z.string().optional(),
    scopes: z.array(z.string()).readonly().optional(),
    prefix: z.string().describe('The first characters of the key, to tell keys apart.'),
    createdAt: isoTime('When it was created.'),
    revokedAt: isoTime('When it was revoked.').optional(),
  })
  .meta({ id: 'ApiKey' });

const tags = ['keys'];

/** /api/v1/keys: the key book (admins only). */
export const keyRoutes: FastifyPluginAsyncZod<{ auth: Authenticator; trail?: AuditTrail }> = async (
  app,
  { auth, trail },
) => {
  app.post(
    '/keys',
    {
      schema: {
        summary: 'Create an API key with a role',
        description:
          'The answer holds the key (`key`), shown this once; only its digest is kept. The first key ' +
          'created turns authentication on.',
        tags,
        operationId: 'createKey',
        body: CreateKeyBody,
        response: { 201: envelope(ApiKeySchema.extend({ key: z.string() })), ...v1Errors },
      },
    },
    async (request, reply) => {
      const { key, apiKey } = await auth.create(request.body);
      trail?.record('security', 'key.created', {
        ...AuditTrail.who(request),
        createdKeyId: apiKey.id,
        createdRole: apiKey.role,
      });
      return reply.code(201).send(ok({ ...apiKey, key }));
    },
  );

  app.get(
    '/keys',
    {
      schema: {
        summary: 'List API keys (without the keys themselves)',
        tags,
        operationId: 'listKeys',
        response: { 200: envelope(z.array(ApiKeySchema)), ...v1Errors },
      },
    },
    async () => ok(await auth.list()),
  );

  app.delete(
    '/keys/:keyId',
    {
      schema: {
        summary: 'Revoke an API key: refused from the next request on',
        tags,
        operationId: 'revokeKey',
        params: z.strictObject({ keyId: idInput('The key id (not the key).') }),
        response: { 200: envelope(ApiKeySchema), ...v1Errors },
      },
    },
    async (request) => {
      const revoked = await auth.revoke(request.params.keyId);
      trail?.record('security', 'key.revoked', { ...AuditTrail.who(request), revokedKeyId: revoked.id });
      return ok(revoked);
    },
  );
};
