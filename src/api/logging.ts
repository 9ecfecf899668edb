import type { FastifyRequest, FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';

/** What a secret is replaced with in a log line. */
const CENSOR = '[REDACTED]';

/** Where API keys could reach a log line; they never may. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'handshake.auth.token',
  'auth.token',
];

/**
 * Query parameters that carry keys by common convention. The API reads keys from headers only, but
 * clients still put them in URLs (and Socket.io browsers send `token` there), so URLs are logged
 * without their values.
 */
const SECRET_QUERY = /([?&](?:api[_-]?key|token|access[_-]?token)=)[^&#]*/gi;

/** `url` with the values of key-carrying query parameters replaced by the censor. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, `$1${CENSOR}`);
}

/** Fastify's request log fields, with the URL redacted; any other `req` is left to the redact paths. */
function requestFields(request: FastifyRequest | Record<string, unknown>) {
  if (!isRequest(request)) return request;
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

function isRequest(value: FastifyRequest | Record<string, unknown>): value is FastifyRequest {
  return typeof value.url === 'string' && typeof value.method === 'string';
}

const redact = { paths: REDACTED_PATHS, censor: CENSOR };
const serializers = { req: requestFields };

/** Fastify logger options: the given pino logger (as a redacting child), none, or a default one. */
export function loggerOptions(
  logger: Logger | false | undefined,
): Pick<FastifyServerOptions, 'logger' | 'loggerInstance'> {
  if (logger === false) return { logger: false };
  if (logger === undefined) return { logger: { level: 'info', redact, serializers } };
  return { loggerInstance: logger.child({ component: 'api' }, { redact, serializers }) };
}
