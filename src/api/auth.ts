import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { SwitchboardError } from '../core/errors.ts';
import { isApiRequest } from './request-path.ts';
import { isProviderCallback } from './routes/telephony-callbacks.ts';

/** Whether a presented key is one of the configured ones. */
export type KeyCheck = (presented: string | undefined) => boolean;

/**
 * Builds the key check, or `undefined` when no keys are configured (authentication off). Keys are
 * compared as SHA-256 digests with timingSafeEqual, against every key without stopping at a match, so
 * neither a key's length nor how much of it matched shows in the response time.
 */
export function createKeyCheck(apiKeys: readonly string[]): KeyCheck | undefined {
  if (apiKeys.length === 0) return undefined;
  if (apiKeys.some((key) => key.length === 0)) throw new Error('an API key must not be empty');
  const digests = apiKeys.map(digest);
  return (presented) => {
    if (presented === undefined || presented.length === 0) return false;
    const candidate = digest(presented);
    let match = false;
    for (const known of digests) match = timingSafeEqual(candidate, known) || match;
    return match;
  };
}

/** The key a request presents: `Authorization: Bearer <key>`, else `X-API-Key`. */
export function keyFromHeaders(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (bearer) return bearer[1];
  }
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 ? apiKey : undefined;
}

/**
 * Requires a valid key on every /api/* request; /health, /docs and /openapi.json stay open, and so do
 * a voice provider's callbacks, which its driver verifies by signature instead.
 */
export function registerHttpAuth(app: FastifyInstance, check: KeyCheck): void {
  app.addHook('onRequest', async (request) => {
    if (!isApiRequest(request) || isProviderCallback(request)) return;
    if (!check(keyFromHeaders(request.headers))) throw new SwitchboardError('UNAUTHORIZED');
  });
}

/** Names the credential a request presents without keeping the key itself (scopes what it owns). */
export function credentialId(headers: IncomingHttpHeaders): string {
  const key = keyFromHeaders(headers);
  return key === undefined ? 'anonymous' : digest(key).toString('hex');
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
