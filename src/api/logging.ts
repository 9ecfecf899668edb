import { type FastifyReply, type FastifyRequest, type FastifyServerOptions, LogController } from 'fastify';
import type { Logger } from 'pino';
import { requestPath } from './request-path.ts';

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

/**
 * Fastify logger options: the given pino logger (as a redacting child), none, or a default one, and
 * {@link OneLinePerRequest} in place of Fastify's two lines per request.
 */
export function loggerOptions(
  logger: Logger | false | undefined,
): Pick<FastifyServerOptions, 'logger' | 'loggerInstance' | 'logController'> {
  if (logger === false) return { logger: false };
  const logController = new OneLinePerRequest();
  if (logger === undefined) return { logger: { level: 'info', redact, serializers }, logController };
  return { loggerInstance: logger.child({ component: 'api' }, { redact, serializers }), logController };
}

/** Polled by probes and scrapers every few seconds: their lines would drown the rest, so they go to debug. */
const PROBE_PATHS: ReadonlySet<string> = new Set(['/health', '/api/v1/metrics']);

/**
 * One access line per answered request, `POST /api/cti/call 200 2.1ms`, with the same figures as
 * fields (method, url, statusCode, ms) and no headers, so no key can reach it. Fastify's own
 * "incoming request" line goes; failures the error handler did not expect are logged there.
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const ms = Math.round(reply.elapsedTime * 10) / 10;
    const { method } = request;
    const url = redactUrl(request.url);
    const fields = { method, url, statusCode: reply.statusCode, ms };
    const line = `${method} ${url} ${reply.statusCode} ${ms}ms`;
    if (error) reply.log.error({ ...fields, err: error }, `${line} (response failed)`);
    else reply.log[PROBE_PATHS.has(requestPath(request)) ? 'debug' : 'info'](fields, line);
  }
}
