import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import pkg from '../../package.json' with { type: 'json' };

const DESCRIPTION = `Drive phone calls over REST; hear what happens on Socket.io (same port).

- \`/api/v1\` answers \`{ "success": true, "data": ... }\` or \`{ "success": false, "error": { code, message, details } }\`;
  the error codes are listed under the \`ErrorCode\` schema. A 4xx is a problem with the request; a 5xx is a bug.
- \`/api/cti\` is the compact mock-CTI contract: bare JSON objects. Its request bodies are read as JSON whatever their
  \`Content-Type\` (none, \`text/plain\`, ...); \`/api/v1\` requires \`application/json\`.
- \`/api/v1/sim\` works with the simulator driver only; with another driver every path there answers 409 \`SIMULATOR_ONLY\`.
- When API keys are configured, every \`/api\` route needs one: \`Authorization: Bearer <key>\` or \`X-API-Key: <key>\`.
- Routes that create calls take an \`Idempotency-Key\` header: a retry within 24 h answers the first answer again.
- Socket.io: each domain event is emitted under its \`type\` (\`call.ringing\`, ...) with the \`DomainEvent\` as payload;
  call events also carry at the top level the mock-CTI flat fields \`callId, status, from, to\`, and \`answeredAt\`,
  \`duration\`, \`endedAt\`, \`endReason\`, \`reason\` once they apply (as \`GET /api/cti/status\` answers them).
  Connect with \`auth: { token, lastSeq }\` (or emit \`resume\` with \`{ lastSeq }\`) to first receive every event after
  \`lastSeq\`, then live ones, without gap or duplicate; \`resumed\` tells when the replay is done.`;

const SECURITY: readonly Record<string, readonly string[]>[] = [{ bearerAuth: [] }, { apiKeyHeader: [] }];

/**
 * Serves the OpenAPI document at /openapi.json and interactive docs at /docs; register before routes.
 * `appTags` are the tags the apps' routes use, listed after the core's calls and events.
 */
export async function registerOpenApi(
  app: FastifyInstance,
  appTags: readonly { readonly name: string; readonly description: string }[] = [],
): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Switchboard', version: pkg.version, description: DESCRIPTION },
      tags: [
        { name: 'calls', description: 'Calls: originate, inspect, list and control.' },
        { name: 'events', description: 'The event log.' },
        ...appTags,
        { name: 'mock-cti', description: 'The compact mock-CTI contract.' },
        { name: 'simulator', description: 'Script and drive the simulated phone system.' },
        { name: 'health', description: 'Liveness.' },
        { name: 'keys', description: 'API keys and their roles (admins only).' },
        { name: 'audit', description: 'The audit log of changes and security events (admins only).' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer' },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
    },
    transform: (input) => {
      const output = jsonSchemaTransform(input);
      if (!input.url.startsWith('/api/') || output.schema.hide) return output;
      return { ...output, schema: { ...output.schema, security: SECURITY } };
    },
    transformObject: (input) => withoutUnusedInputs(jsonSchemaTransformObject(input)),
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  /** The OpenAPI document, at the address tools look for first. */
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

/**
 * The zod provider adds an `...Input` twin of every named schema; only request bodies could use
 * them and none does, so twins that nothing reaches are dropped to keep the document readable.
 */
function withoutUnusedInputs<T extends object>(document: T): T {
  const { components } = document as { components?: { schemas?: Record<string, unknown> } };
  const schemas = components?.schemas;
  if (!schemas) return document;
  const reached = new Set(Object.keys(schemas).filter((name) => !name.endsWith('Input')));
  const pending = [...refsIn({ ...document, components: { ...components, schemas: {} } }), ...reached];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    for (const ref of refsIn(schemas[name])) {
      if (!reached.has(ref)) pending.push(ref);
      reached.add(ref);
    }
    reached.add(name);
  }
  const kept = Object.entries(schemas).filter(([name]) => reached.has(name));
  return { ...document, components: { ...components, schemas: Object.fromEntries(kept) } };
}

function refsIn(value: unknown): string[] {
  const refs = JSON.stringify(value ?? null).matchAll(/"#\/components\/schemas\/([^"]+)"/g);
  return [...refs].map((match) => match[1] as string);
}
