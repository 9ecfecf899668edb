import type { FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';

/** Where API keys could reach a log line; they never may. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'handshake.auth.token',
  'auth.token',
];

const redact = { paths: REDACTED_PATHS, censor: '[redacted]' };

/** Fastify logger options: the given pino logger (as a redacting child), none, or a default one. */
export function loggerOptions(
  logger: Logger | false | undefined,
): Pick<FastifyServerOptions, 'logger' | 'loggerInstance'> {
  if (logger === false) return { logger: false };
  if (logger === undefined) return { logger: { level: 'info', redact } };
  return { loggerInstance: logger.child({ component: 'api' }, { redact }) };
}
