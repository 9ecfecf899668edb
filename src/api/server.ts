import cors from '@fastify/cors';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { SwitchboardApp } from '../apps/app-contract.ts';
import type { WebhookReceiver } from '../core/provider-callbacks.ts';
import type { CallConference, CallControl, CallMonitoring, EventFeed } from '../engine/types.ts';
import type {
  AgentSessionRepository,
  ApiKeyRepository,
  AuditLogRepository,
  IdempotencyRepository,
} from '../store/types.ts';
import { registerAccess } from './access.ts';
import { AuditTrail, auditRoutes, registerRequestAudit } from './audit.ts';
import { Authenticator, credentialId } from './auth.ts';
import { registerConsole } from './console.ts';
import { registerErrorHandling } from './errors.ts';
import type { Histograms } from './histograms.ts';
import { acceptJsonOnly, MAX_BODY_BYTES, readAnyBodyAsJson, refuseWhileClosing } from './http-setup.ts';
import { DEFAULT_HTTP_TIMEOUTS, type HttpTimeouts, httpTimeoutOptions } from './http-timeouts.ts';
import { registerIdempotency } from './idempotency.ts';
import { loggerOptions } from './logging.ts';
import { registerOpenApi } from './openapi.ts';
import { registerRequestTracing } from './request-tracing.ts';
import { callLogRoutes } from './routes/call-log.ts';
import { callTransferRoutes } from './routes/call-transfers.ts';
import { callRoutes } from './routes/calls.ts';
import { conferenceRoutes } from './routes/conference.ts';
import { ctiRoutes } from './routes/cti.ts';
import { eventRoutes } from './routes/events.ts';
import { healthRoutes, type Readiness } from './routes/health.ts';
import { keyRoutes } from './routes/keys.ts';
import { type MetricsSource, metricsRoutes } from './routes/metrics.ts';
import { monitorRoutes } from './routes/monitor.ts';
import { sessionRoutes } from './routes/sessions.ts';
import { simRoutes, simUnavailableRoutes } from './routes/sim.ts';
import { type TelephonyCheckOptions, telephonyRoutes } from './routes/telephony.ts';
import { telephonyCallbackRoutes } from './routes/telephony-callbacks.ts';
import { domainEventSchema } from './schemas/event.ts';
import { AgentSessions } from './sessions.ts';
import type { SimControls } from './sim-controls.ts';
import { registerSiteGuard, sitePolicy } from './site-guard.ts';
import { createSocketGateway, type SwitchboardIo } from './socket-gateway.ts';
import type { ReplayLimits } from './socket-replay.ts';

/** How long a console session's token lasts unless configured. */
const DEFAULT_SESSION_MS = 3_600_000;

/** What the API reads of an app: its routes, its events, the tags its routes use. */
export type AppApi = Pick<SwitchboardApp, 'routes' | 'events' | 'tags' | 'callRecords'>;

/** Everything the API needs; it talks to calls and events only through these. */
export interface ApiDeps {
  readonly calls: CallControl;
  /** Conferences and supervisors on calls; their routes are served when present. */
  readonly parties?: CallConference & CallMonitoring;
  readonly events: EventFeed;
  /** Present when the simulator driver runs; /api/v1/sim answers 409 SIMULATOR_ONLY otherwise. */
  readonly sim?: SimControls;
  /** The apps: their routes are served and their events documented (none when absent). */
  readonly apps?: readonly AppApi[];
  /** Merged into GET /health after `status: 'ok'`. */
  readonly health: () => Record<string, unknown>;
  /** A cloud driver's callbacks, served under /api/v1/telephony/<provider>/ when present. */
  readonly providerCallbacks?: WebhookReceiver;
  /** GET /ready (readiness, distinct from liveness); not served when absent. */
  readonly readiness?: () => Promise<Readiness>;
  /** GET /api/v1/telephony/check: what the PBX and its realtime database answer now. */
  readonly telephonyCheck?: TelephonyCheckOptions['check'];
  /** Figures for GET /api/v1/metrics (Prometheus). */
  readonly metrics?: () => MetricsSource;
  /** Latency histograms served with the metrics. */
  readonly histograms?: Histograms;
  /**
   * Where `Idempotency-Key`s are kept, and the clock that expires them; without it, routes ignore the
   * header (the composition root always passes it).
   */
  readonly idempotency?: { readonly keys: IdempotencyRepository; readonly clock: { now(): number } };
  /** Where the audit trail of requests and security events is kept; none when absent. */
  readonly audit?: AuditLogRepository;
  /**
   * Keys from the configuration (admins) and the key book (keys with roles, made through /api/v1/keys
   * or the CLI). With no key of either kind, authentication is off; otherwise /api/* and Socket.io
   * need one. `perMinute`: requests one key may make per minute (0 or absent: no limit).
   */
  readonly auth: {
    readonly apiKeys: readonly string[];
    readonly keys?: ApiKeyRepository;
    readonly perMinute?: number;
    /** Agents' console logins; `sessionTtlMs`: how long a session token lasts (an hour when absent). */
    readonly sessions?: AgentSessionRepository;
    readonly sessionTtlMs?: number;
    /** The clock sessions expire by (the server's Clock; wall time when absent). */
    readonly now?: () => number;
  };
  /** Allowed browser origins; `false` sends no CORS headers, `'*'` allows any origin. */
  readonly cors: { readonly origins: readonly string[] | '*' | false };
  /**
   * The interface the server listens on (127.0.0.1 when absent) and extra host names it answers to
   * (`'*'`: any); requests naming another host are refused.
   */
  readonly site?: { readonly listenHost: string; readonly allowedHosts?: readonly string[] | '*' };
  /** Deadlines for slow clients; DEFAULT_HTTP_TIMEOUTS for those absent. */
  readonly timeouts?: Partial<HttpTimeouts>;
  /** Bounds on Socket.io resume; DEFAULT_REPLAY_LIMITS for those absent. */
  readonly replay?: Partial<ReplayLimits>;
  /** Live events one Socket.io client may leave unread before it is dropped; the gateway's default when absent. */
  readonly maxPendingLive?: number;
  /** A pino logger to log through, `false` for none; a default pino logger when absent. */
  readonly logger?: Logger | false;
  /** The built operator console to serve at `/` (web/dist); `/` says how to build it when absent. */
  readonly consoleRoot?: string;
  /** Routes the composition root adds beside the API (the demo's fleet directory). */
  readonly extraRoutes?: readonly ((app: FastifyInstance) => Promise<void>)[];
}

/**
 * Builds the HTTP API and the Socket.io gateway on one server, without listening (the caller calls
 * `app.listen`). Closing `app` also disconnects every Socket.io client.
 */
export async function buildServer(deps: ApiDeps): Promise<{ app: FastifyInstance; io: SwitchboardIo }> {
  const app: FastifyInstance = Fastify({
    ...loggerOptions(deps.logger),
    ...httpTimeoutOptions({ ...DEFAULT_HTTP_TIMEOUTS, ...deps.timeouts }),
    return503OnClosing: false,
    bodyLimit: MAX_BODY_BYTES,
  });
  // First: it wraps the handler of every route added after it.
  registerRequestTracing(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  acceptJsonOnly(app);
  registerErrorHandling(app);
  refuseWhileClosing(app);
  const site = sitePolicy({
    listenHost: deps.site?.listenHost ?? '127.0.0.1',
    allowedHosts: deps.site?.allowedHosts,
    origins: deps.cors.origins,
  });
  // Before CORS and auth: a foreign host or origin learns nothing, not even whether a key is needed.
  registerSiteGuard(app, site);

  // CORS before auth: a preflight carries no credentials and must be answered before the key check.
  if (deps.cors.origins !== false) {
    await app.register(cors, {
      origin: deps.cors.origins === '*' ? '*' : [...deps.cors.origins],
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'X-API-Key', 'Content-Type', 'Idempotency-Key'],
      exposedHeaders: ['Idempotent-Replayed'],
    });
  }
  const sessions =
    deps.auth.sessions &&
    new AgentSessions(deps.auth.sessions, deps.auth.sessionTtlMs ?? DEFAULT_SESSION_MS, deps.auth.now);
  const auth = new Authenticator(deps.auth.apiKeys, deps.auth.keys, Date.now, sessions);
  await auth.init();
  const trail =
    deps.audit &&
    new AuditTrail(deps.audit, Date.now, (err) => app.log.error({ err }, 'audit entry not stored'));
  await registerAccess(app, {
    auth,
    calls: deps.calls,
    perMinute: deps.auth.perMinute ?? 0,
    ...(trail && {
      onRefused: (request, code) =>
        trail.record('security', code, {
          ...AuditTrail.who(request),
          method: request.method,
          path: request.url.split('?', 1)[0],
        }),
    }),
  });
  if (trail) {
    registerRequestAudit(app, trail);
    app.addHook('onClose', () => trail.flush());
  }
  if (deps.idempotency) {
    registerIdempotency(app, {
      ...deps.idempotency,
      scopeOf: (request) => (auth.required ? credentialId(request.headers) : 'open'),
    });
  }

  const apps = deps.apps ?? [];
  await registerOpenApi(
    app,
    apps.flatMap((a) => a.tags ?? []),
  );
  await app.register(healthRoutes, {
    health: deps.health,
    ...(deps.readiness && { readiness: deps.readiness }),
  });
  if (deps.metrics) {
    await app.register(metricsRoutes, {
      prefix: '/api/v1',
      source: deps.metrics,
      ...(deps.histograms && { histograms: deps.histograms }),
    });
  }
  // One encapsulated scope for /api/cti, so its lenient body reading reaches no other route.
  const appRoutes = (prefix: string) => apps.flatMap((a) => a.routes.filter((r) => r.prefix === prefix));
  await app.register(
    async (cti) => {
      readAnyBodyAsJson(cti);
      await cti.register(ctiRoutes, { calls: deps.calls });
      for (const routes of appRoutes('/api/cti')) await cti.register(routes.plugin);
    },
    { prefix: '/api/cti' },
  );
  await app.register(callRoutes, {
    prefix: '/api/v1',
    calls: deps.calls,
    records: apps.flatMap((a) => (a.callRecords ? [a.callRecords] : [])),
  });
  await app.register(callLogRoutes, { prefix: '/api/v1', calls: deps.calls });
  await app.register(callTransferRoutes, { prefix: '/api/v1', calls: deps.calls });
  if (deps.parties) {
    await app.register(conferenceRoutes, { prefix: '/api/v1', conference: deps.parties });
    await app.register(monitorRoutes, { prefix: '/api/v1', monitoring: deps.parties });
  }
  if (deps.telephonyCheck) {
    await app.register(telephonyRoutes, { prefix: '/api/v1', check: deps.telephonyCheck });
  }
  if (sessions) await app.register(sessionRoutes, { prefix: '/api/v1', sessions });
  if (deps.auth.keys) await app.register(keyRoutes, { prefix: '/api/v1', auth, ...(trail && { trail }) });
  if (deps.audit && trail) await app.register(auditRoutes, { prefix: '/api/v1', repo: deps.audit, trail });
  await app.register(eventRoutes, {
    prefix: '/api/v1',
    events: deps.events,
    calls: deps.calls,
    schema: domainEventSchema(apps.map((a) => a.events)),
  });
  for (const routes of appRoutes('/api/v1')) await app.register(routes.plugin, { prefix: '/api/v1' });
  if (deps.providerCallbacks) await app.register(telephonyCallbackRoutes(deps.providerCallbacks));
  for (const add of deps.extraRoutes ?? []) await add(app);
  await registerConsole(app, deps.consoleRoot);
  if (deps.sim) await app.register(simRoutes, { prefix: '/api/v1/sim', sim: deps.sim });
  else await app.register(simUnavailableRoutes, { prefix: '/api/v1/sim' });

  const gateway = createSocketGateway(app.server, {
    events: deps.events,
    auth,
    cors: deps.cors.origins,
    site,
    ...(deps.replay && { replay: deps.replay }),
    ...(deps.maxPendingLive !== undefined && { maxPendingLive: deps.maxPendingLive }),
    log: app.log,
  });
  app.addHook('preClose', gateway.close);
  return { app, io: gateway.io };
}
