import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { SwitchboardError } from '../core/errors.ts';

/**
 * Which web sites may reach the server. Loopback is not private: any page open in a browser on the
 * same machine can send requests to it, and a DNS name rebound to 127.0.0.1 makes them look
 * same-origin. So requests must name the server by one of its own host names, and browsers' cross-site
 * requests that change state (and WebSocket handshakes) must come from an allowed origin.
 */
export interface SitePolicy {
  /** Host names (lower case, IPv6 in brackets, no port) the server answers to, or `'*'` for any. */
  readonly hosts: ReadonlySet<string> | '*';
  /** Origins allowed besides the server's own: `CORS_ORIGINS`. */
  readonly origins: readonly string[] | '*' | false;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/**
 * The host names allowed by default: loopback, the interface the server listens on, and `extra`
 * (`ALLOWED_HOSTS`). Listening on every interface (0.0.0.0, ::) with no list means any name, since the
 * operator could not have listed every name the machine has; API keys are required there anyway.
 */
export function sitePolicy(options: {
  readonly listenHost: string;
  readonly allowedHosts: readonly string[] | '*' | undefined;
  readonly origins: SitePolicy['origins'];
}): SitePolicy {
  const { listenHost, allowedHosts, origins } = options;
  if (allowedHosts === '*') return { hosts: '*', origins };
  if (allowedHosts === undefined && WILDCARD_HOSTS.has(listenHost)) return { hosts: '*', origins };
  const names = [...LOOPBACK_NAMES, ...(allowedHosts ?? [])];
  if (!WILDCARD_HOSTS.has(listenHost)) names.push(listenHost);
  return { hosts: new Set(names.map(normaliseHostName)), origins };
}

/** Whether a `Host` header names this server; a request without one (HTTP/1.0) is let through. */
export function hostAllowed(policy: SitePolicy, host: string | undefined): boolean {
  if (host === undefined || policy.hosts === '*') return true;
  return policy.hosts.has(hostName(host));
}

/**
 * Whether a request's `Origin` may act on the server: none at all (server-side clients, curl), the
 * server's own origin (same host as the request), or one of the allowed origins.
 */
export function originAllowed(
  policy: SitePolicy,
  origin: string | undefined,
  host: string | undefined,
): boolean {
  if (origin === undefined) return true;
  if (policy.origins === '*') return true;
  if (policy.origins !== false && policy.origins.includes(origin)) return true;
  return host !== undefined && originHost(origin) === host.toLowerCase();
}

/** Refuses requests for foreign host names, and state-changing requests from foreign origins. */
export function registerSiteGuard(app: FastifyInstance, policy: SitePolicy): void {
  app.addHook('onRequest', async (request) => {
    const { host, origin } = request.headers;
    if (!hostAllowed(policy, host)) throw new SwitchboardError('HOST_NOT_ALLOWED');
    if (SAFE_METHODS.has(request.method)) return;
    if (!originAllowed(policy, origin, host)) throw new SwitchboardError('ORIGIN_NOT_ALLOWED');
  });
}

/** Why a WebSocket/long-polling handshake is refused, or `undefined` when it may proceed. */
export function handshakeRefusal(policy: SitePolicy, request: IncomingMessage): string | undefined {
  const { host, origin } = request.headers;
  if (!hostAllowed(policy, host)) return 'HOST_NOT_ALLOWED';
  if (!originAllowed(policy, origin, host)) return 'ORIGIN_NOT_ALLOWED';
  return undefined;
}

/** Methods a browser sends cross-site without asking, which must not change anything. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `Example.com:5000` → `example.com`; `[::1]:5000` → `[::1]`. */
function hostName(host: string): string {
  const lower = host.trim().toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.indexOf(':');
  return colon === -1 ? lower : lower.slice(0, colon);
}

/** A configured name: a bare IPv6 address gets the brackets it has in a Host header. */
function normaliseHostName(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.includes(':') && !lower.startsWith('[') ? `[${lower}]` : hostName(lower);
}

/** `http://example.com:5000` → `example.com:5000`; `undefined` for `null` or garbage. */
function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}
