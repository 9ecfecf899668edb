import type { FastifyServerOptions } from 'fastify';

/** How long a client may take, so that slow or stalled connections cannot pile up. */
export interface HttpTimeouts {
  /** From connecting to the end of the request headers. */
  readonly headersMs: number;
  /** From connecting to the end of the request body. */
  readonly requestMs: number;
  /** How long an idle keep-alive connection stays open between requests. */
  readonly keepAliveMs: number;
  /** How long a connection may send and receive nothing (WebSockets are exempt: they have pings). */
  readonly idleMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  keepAliveMs: 5_000,
  idleMs: 60_000,
};

/** The longest node waits between checks of the header and request deadlines (its own default is 30 s). */
const MAX_CHECK_INTERVAL_MS = 1_000;

/** Fastify and node:http options that enforce `timeouts`. */
export function httpTimeoutOptions(timeouts: HttpTimeouts): Pick<
  FastifyServerOptions,
  'connectionTimeout' | 'keepAliveTimeout' | 'requestTimeout'
> & {
  http: { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number };
} {
  const headersMs = Math.min(timeouts.headersMs, timeouts.requestMs);
  return {
    connectionTimeout: timeouts.idleMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    requestTimeout: timeouts.requestMs,
    http: {
      headersTimeout: headersMs,
      requestTimeout: timeouts.requestMs,
      // Node only notices an expired deadline when it checks; check often enough to keep the deadline.
      connectionsCheckingInterval: Math.max(1, Math.min(MAX_CHECK_INTERVAL_MS, Math.floor(headersMs / 2))),
    },
  };
}
