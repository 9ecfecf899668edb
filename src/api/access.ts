import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isSwitchboardError, SwitchboardError } from '../core/errors.ts';
import type { CallControl } from '../engine/types.ts';
import { type Authenticator, keyFromHeaders, type Principal } from './auth.ts';
import { callAgents } from './event-visibility.ts';
import { isApiRequest, requestPath } from './request-path.ts';
import { isProviderCallback } from './routes/telephony-callbacks.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request acts as; set for every /api/* request once authenticated. */
    principal?: Principal;
  }
}

export interface AccessOptions {
  readonly auth: Authenticator;
  readonly calls: Pick<CallControl, 'get'>;
  /** Requests one key may make per minute (0: no limit); open (keyless) requests are not counted. */
  readonly perMinute: number;
  /** Told of every refusal (audit). */
  readonly onRefused?: (request: FastifyRequest, code: 'UNAUTHORIZED' | 'FORBIDDEN' | 'RATE_LIMITED') => void;
}

/** What each role may reach, by the resource a route is under (`/api/v1/<resource>/...`, `cti`). */
const DENIED: Readonly<Record<Principal['role'], ReadonlySet<string>>> = {
  admin: new Set(),
  integration: new Set(['keys', 'audit']),
  supervisor: new Set(['keys', 'audit', 'webhooks']),
  // Agents reach only their own calls, state and events: see agentMayAccess.
  agent: new Set(),
};
const AGENT_RESOURCES = new Set(['cti', 'calls', 'agents', 'events', 'sessions']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Authentication (every /api/* request presents a key when any exists), roles and scopes (checked
 * once the request is parsed, since an agent's rights depend on the call it names), and a rate limit
 * per key answering 429 with Retry-After.
 */
export async function registerAccess(app: FastifyInstance, options: AccessOptions): Promise<void> {
  const { auth, calls } = options;
  app.addHook('onRequest', async (request) => {
    // Logging in is how an agent gets a token: it presents a password instead. A voice provider's
    // callbacks carry no key: their driver verifies the provider's signature instead.
    if (!isApiRequest(request) || isLogin(request) || isProviderCallback(request)) return;
    const principal = await auth.resolve(keyFromHeaders(request.headers));
    if (!principal) {
      options.onRefused?.(request, 'UNAUTHORIZED');
      throw new SwitchboardError('UNAUTHORIZED');
    }
    request.principal = principal;
  });

  if (options.perMinute > 0) {
    await app.register(rateLimit, {
      max: options.perMinute,
      timeWindow: 60_000,
      keyGenerator: (request) => request.principal?.keyId ?? request.ip,
      allowList: (request) => !isApiRequest(request) || request.principal?.keyId === 'open',
      onExceeded: (request) => options.onRefused?.(request, 'RATE_LIMITED'),
      errorResponseBuilder: (_request, context) =>
        new SwitchboardError(
          'RATE_LIMITED',
          `More than ${context.max} requests a minute with this key; retry after ${context.after}.`,
          { retryAfterSeconds: Math.ceil(context.ttl / 1000) },
        ),
    });
  }

  app.addHook('preHandler', async (request) => {
    const principal = request.principal;
    if (!principal || (principal.role === 'admin' && principal.scopes === undefined)) return;
    const resource = resourceOf(requestPath(request));
    const write = !SAFE_METHODS.has(request.method);
    const allowed =
      inScope(principal.scopes, resource, write) &&
      !DENIED[principal.role].has(resource) &&
      (principal.role !== 'agent' ||
        (await agentMayAccess(request, principal.agentId ?? '', resource, calls)));
    if (!allowed) {
      options.onRefused?.(request, 'FORBIDDEN');
      throw new SwitchboardError('FORBIDDEN', `A ${principal.role} key may not ${request.method} that.`);
    }
  });
}

const isLogin = (request: FastifyRequest) =>
  request.method === 'POST' && requestPath(request) === '/api/v1/sessions';

/** `/api/v1/calls/:callId/hold` → `calls`; `/api/cti/call` → `cti`. */
export function resourceOf(path: string): string {
  const parts = path.split('/');
  return parts[2] === 'cti' ? 'cti' : (parts[3] ?? '');
}

/** Scopes such as `calls:read`, `calls:write`, `calls:*` or `*`; no list means no restriction. */
function inScope(scopes: readonly string[] | undefined, resource: string, write: boolean): boolean {
  if (scopes === undefined) return true;
  const wanted = `${resource}:${write ? 'write' : 'read'}`;
  return scopes.some((s) => s === '*' || s === wanted || s === `${resource}:*`);
}

/**
 * An agent acts only for itself: its own agent record and state, calls it is on (or places from its
 * own phone: `from` is its agent id), and the event log (which shows it only its own events).
 */
async function agentMayAccess(
  request: FastifyRequest,
  agentId: string,
  resource: string,
  calls: Pick<CallControl, 'get'>,
): Promise<boolean> {
  if (!AGENT_RESOURCES.has(resource)) return false;
  const params = (request.params ?? {}) as Record<string, unknown>;
  const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<
    string,
    unknown
  >;
  const query = (request.query ?? {}) as Record<string, unknown>;
  if (resource === 'agents') return params.agentId === agentId;
  if (resource === 'events') return request.method === 'GET';
  if (resource === 'sessions') return true;
  const callId = params.callId ?? body.callId ?? query.callId;
  if (typeof callId === 'string') return ownsCall(calls, callId, agentId);
  // Starting a call: only from the agent's own phone.
  if (
    request.method === 'POST' &&
    (requestPath(request) === '/api/cti/call' || requestPath(request) === '/api/v1/calls')
  ) {
    return body.from === agentId;
  }
  return false;
}

async function ownsCall(calls: Pick<CallControl, 'get'>, callId: string, agentId: string): Promise<boolean> {
  try {
    return callAgents(await calls.get(callId)).includes(agentId);
  } catch (error) {
    // An unknown call is the route's to answer (404), the same for everyone.
    if (isSwitchboardError(error) && error.code === 'CALL_NOT_FOUND') return true;
    throw error;
  }
}
