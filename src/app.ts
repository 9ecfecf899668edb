import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CountryCode } from 'libphonenumber-js';
import pino, { type Logger } from 'pino';
import { Authenticator } from './api/auth.ts';
import { consoleBuilt } from './api/console.ts';
import { Histograms } from './api/histograms.ts';
import { buildServer } from './api/server.ts';
import type { SimControls } from './api/sim-controls.ts';
import { tracingFromEnv } from './api/tracing-setup.ts';
import type { AcdService } from './apps/acd/acd-service.ts';
import { createAcdApp } from './apps/acd/app.ts';
import type { SwitchboardApp } from './apps/app-contract.ts';
import { createCampaignsApp } from './apps/campaigns/app.ts';
import { createEmergencyApp } from './apps/emergency/app.ts';
import { createIvrApp } from './apps/ivr/app.ts';
import type { IvrService } from './apps/ivr/ivr-service.ts';
import { createOutboundApp } from './apps/outbound/app.ts';
import { createRecordingApp } from './apps/recording/app.ts';
import { createWebhooksApp } from './apps/webhooks/app.ts';
import { DEFAULT_DELIVERY_OPTIONS } from './apps/webhooks/delivery-worker.ts';
import type { SwitchboardConfig } from './config/config.ts';
import { createThreeCxApp } from './connectors/3cx/app.ts';
import type { CdrSource } from './connectors/3cx/cdr-source.ts';
import { loadThreeCxConfig } from './connectors/3cx/config.ts';
import { type Clock, SystemClock, VirtualClock } from './core/clock.ts';
import type { NewDomainEvent } from './core/events.ts';
import type { WebhookReceiver } from './core/provider-callbacks.ts';
import { DemoSite } from './demo/demo.ts';
import { CallEngine } from './engine/call-engine.ts';
import { withEngineErrorsOn } from './engine/driver-errors.ts';
import { createOutboundFetch, type OutboundFetch } from './net/outbound-fetch.ts';
import { createOutboundPolicy } from './net/outbound-policy.ts';
import { alertSinks, NO_SINK } from './notify/alert-sinks.ts';
import { MemorySink } from './notify/notification.ts';
import { FanOutSink } from './notify/webhook-sink.ts';
import { openStore } from './store/open-store.ts';
import type { Store, StoreConfig } from './store/types.ts';
import { AriDriver } from './telephony/ari/ari-driver.ts';
import { realtimeAgentPhones } from './telephony/ari/provisioning/agent-phones.ts';
import { RealtimePhones } from './telephony/ari/provisioning/realtime-phones.ts';
import type { TelephonyDriver } from './telephony/driver.ts';
import { ExotelDriver } from './telephony/exotel/exotel-driver.ts';
import { loadProfilesFile } from './telephony/sim/load-profiles.ts';
import { SimulatorDriver } from './telephony/sim/simulator.ts';
import { TwilioDriver } from './telephony/twilio/twilio-driver.ts';

/** A running Switchboard: its parts, for the CLI and for tests that drive it from outside. */
export interface Switchboard {
  readonly engine: CallEngine;
  readonly acd: AcdService;
  readonly ivr: IvrService;
  /** The simulator; reading it with another driver configured throws. */
  readonly driver: SimulatorDriver;
  /** The driver in use: the simulator, or Asterisk through ARI. */
  readonly telephony: TelephonyDriver;
  /** The ARI driver, when it is the one in use. */
  readonly ari: AriDriver | undefined;
  readonly clock: Clock;
  readonly store: Store;
  /** Whether the operator console's build was found and is served at `/`. */
  readonly consoleServed: boolean;
  /** Starts listening; resolves with the base URL. */
  listen(): Promise<string>;
  /**
   * Graceful drain (SIGTERM): GET /ready answers 503 and new calls are refused (API_UNAVAILABLE),
   * commands in flight finish, and the webhook outbox is sent once more; then call {@link close}.
   */
  drain(): Promise<void>;
  /** Resolves once the engine and every app have no work queued (what the virtual clock waits for). */
  idle(): Promise<void>;
  /** Ends live calls (`server_restart`), flushes records, closes connections. Idempotent. */
  close(): Promise<void>;
}

export interface SwitchboardParts {
  /** A clock to use instead of the configured one (tests pass a VirtualClock they keep). */
  readonly clock?: Clock;
  readonly store?: StoreConfig;
  readonly logger?: Logger | false;
  /** Where `${VAR}` in the 3CX connector's YAML is read; the process's environment by default. */
  readonly env?: NodeJS.ProcessEnv;
  /** A CDR source to use instead of 3CX v20's database (another 3CX version, a test's). */
  readonly cdrSource?: CdrSource;
}

/** The composition root: builds the store, clock, driver, engine and API from the configuration. */
export async function createSwitchboard(
  given: SwitchboardConfig,
  parts: SwitchboardParts = {},
): Promise<Switchboard> {
  const config = given.demo ? DemoSite.configure(given) : given;
  // Asynchronous writes: a synchronous line per request blocks the event loop whenever stdout is a
  // terminal or a pipe whose reader lags (journald, docker logs); lines written meanwhile are coalesced,
  // and pino flushes what is pending when the process exits.
  const logger =
    parts.logger === undefined
      ? pino({ level: config.logLevel }, pino.destination({ dest: 1, sync: false }))
      : parts.logger;
  const log = logger || undefined;
  const clock = parts.clock ?? makeClock(config.clock);
  const demo = config.demo ? new DemoSite(clock) : undefined;
  const store = await openStore(parts.store ?? config.store, { owner: config.nodeId });
  const driver =
    config.driver === 'simulator'
      ? new SimulatorDriver({
          clock,
          profiles: [
            ...(demo?.profiles ?? []),
            ...(config.profilesFile ? loadProfilesFile(config.profilesFile) : []),
          ],
        })
      : undefined;
  const ari =
    config.ari && new AriDriver({ ...config.ari, password: config.ari.password, clock, ...(log && { log }) });
  // One outbound-host policy for every HTTP request Switchboard makes: the cloud providers' APIs, IVR
  // look-ups, webhooks and alert sinks.
  const outboundPolicy = createOutboundPolicy({ allow: config.outboundHttpAllow });
  const outboundFetch = createOutboundFetch(outboundPolicy);
  const cloud = cloudDriver(config, { clock, fetch: outboundFetch, ...(log && { log }) });
  const telephony: TelephonyDriver = driver ?? ari ?? (cloud as TelephonyDriver & WebhookReceiver);
  const histograms = new Histograms();
  const engine = new CallEngine({
    onDriverCommand: histograms.onDriverCommand,
    driver: telephony,
    clock,
    store,
    ringTimeoutMs: config.ringTimeoutMs,
    defaultCountry: config.defaultCountry as CountryCode,
    maxLiveCalls: config.maxLiveCalls,
    conference: config.conference,
    log,
  });
  const realtime =
    config.realtime &&
    new RealtimePhones({
      url: config.realtime.url,
      schema: config.realtime.schema,
      defaults: {
        context: config.realtime.context,
        codecs: config.realtime.codecs,
        ...(config.realtime.transport && { transport: config.realtime.transport }),
      },
    });
  // What every app is built with; each app's folder says what else it takes.
  const common = {
    engine,
    publish: (event: NewDomainEvent) => engine.publish(event),
    store,
    clock,
    ...(log && { log }),
  };
  const defaultCountry = config.defaultCountry as CountryCode;
  const acdApp = createAcdApp({
    ...common,
    stateLog: store.agentStates,
    defaultCountry,
    ...(realtime && { phones: realtimeAgentPhones(realtime) }),
  });
  const acd = acdApp.service;
  engine.useDirectory(acd);
  // The in-memory sink is the simulator's (readable at GET /api/v1/notifications); the configured
  // sinks (SMTP, SMS gateway, webhook) serve every driver.
  const notifications = driver ? new MemorySink() : undefined;
  const configuredSinks = alertSinks(config.alerts, outboundFetch, () => clock.now());
  const allSinks = [...(notifications ? [notifications] : []), ...configuredSinks];
  const sink = allSinks.length === 0 ? NO_SINK : new FanOutSink(allSinks);
  const flowsDir = config.flowsDir ?? (existsSync('flows') ? 'flows' : undefined);
  // Kept by reference: the demo adds `dispatchApi` once the server listens and its port is known.
  const ivrVariables = { ...config.ivrVariables };
  const ivrApp = createIvrApp({
    ...common,
    acd,
    options: {
      variables: ivrVariables,
      fetch: outboundFetch,
      ...(flowsDir !== undefined && { flowsDir }),
    },
  });
  const ivr = ivrApp.service;
  const outboundApp = createOutboundApp({ ...common, acd, options: config.outbound });
  const webhooksApp = createWebhooksApp({
    ...common,
    outbound: { fetch: outboundFetch, policy: outboundPolicy },
    options: { ...DEFAULT_DELIVERY_OPTIONS, ...config.webhooks },
    observe: histograms.onWebhookDelivery,
  });
  engine.events.subscribe(histograms.onEvent);
  /** The apps, in the order they start; adding an app is one entry here. */
  const apps: readonly SwitchboardApp[] = [
    acdApp,
    createEmergencyApp({
      ...common,
      acd,
      sink,
      ...(notifications && { readableSink: notifications }),
      ...(demo && { drivers: demo.fleet }),
    }),
    ivrApp,
    createRecordingApp({ ...common, acd, options: config.recordings }),
    outboundApp,
    // Campaign calls share the outbound service's concurrency limit, start rate and circuit breaker.
    createCampaignsApp({ ...common, acd, line: outboundApp.service.sharedLimits() }),
    ...(config.threecxConfig === undefined
      ? []
      : [
          createThreeCxApp({
            ...common,
            config: loadThreeCxConfig(config.threecxConfig, parts.env ?? process.env),
            defaultCountry,
            sink,
            // A watched group that is one of Switchboard's queues: its members available in the ACD.
            presence: {
              available: async (groupId) => {
                const queue = acd.listQueues().find((q) => q.id === groupId);
                if (queue === undefined) return undefined;
                const members = new Set(queue.members);
                return acd.listAgents().filter((a) => members.has(a.id) && a.status.state === 'available')
                  .length;
              },
            },
            ...(parts.cdrSource && { source: parts.cdrSource }),
          }),
        ]),
    webhooksApp,
  ];
  // Virtual time waits for every consequence of a timer: engine steps and the apps' reactions to them.
  const workers = [engine, ...apps];
  const idle = async () => {
    do {
      for (const worker of workers) await worker.idle();
    } while (workers.some((w) => w.busy));
  };
  if (clock instanceof VirtualClock) clock.onSettle(idle);
  await webhooksApp.service.attach();
  await engine.start();
  for (const app of apps) await app.start();
  await demo?.seed({ acd, ivr }, config.defaultCountry as CountryCode);

  // The simulator's refusals reach HTTP as the engine's catalogue errors, like every driver error.
  const sim: SimControls | undefined =
    driver &&
    withEngineErrorsOn<SimControls>({
      setProfile: (rule) => driver.setProfile(rule),
      removeProfile: (match) => driver.removeProfile(match),
      listProfiles: () => driver.listProfiles(),
      placeInboundCall: (call) => driver.placeInboundCall(call),
      partyAnswer: (id) => driver.partyAnswer(id),
      partyHangup: (id, cause) => driver.partyHangup(id, cause),
      partyReject: (id, cause) => driver.partyReject(id, cause as 'busy' | 'rejected' | undefined),
      partySendDtmf: (id, digits, gap) => driver.partySendDtmf(id, digits, gap),
      partyHold: (id) => driver.partyHold(id),
      partyUnhold: (id) => driver.partyUnhold(id),
      channels: () => driver.channels(),
      setPhoneRegistered: (endpoint, registered) => driver.setPhoneRegistered(endpoint, registered),
      ...(clock instanceof VirtualClock && { clock }),
      reset: async () => {
        await engine.endAll('canceled');
        driver.reset();
      },
    });
  const consoleRoot = config.consoleDir ?? CONSOLE_ROOT;
  let draining = false;
  const { app } = await buildServer({
    calls: engine,
    parties: engine,
    events: engine.events,
    sim,
    apps,
    ...(cloud && { providerCallbacks: cloud }),
    telephonyCheck: async () => ({
      driver: telephony.name,
      ...(ari && { ari: await ari.check() }),
      ...(realtime && { realtime: await realtime.check() }),
    }),
    readiness: async () => {
      const pending = await store.check().then(
        (found) => found.pendingMigrations,
        () => undefined,
      );
      const driver = engine.driverConnected;
      const migrations = pending === undefined ? 'unknown' : pending === 0 ? 'current' : 'pending';
      return {
        ready: !draining && pending === 0 && driver,
        checks: { store: pending !== undefined, migrations, driver, draining },
      };
    },
    health: () => ({
      driver: telephony.name,
      ...(ari && { ari: ari.status() }),
      store: store.kind,
      clock: clock instanceof VirtualClock ? 'virtual' : 'real',
      liveCalls: engine.liveCount,
      ...Object.fromEntries(apps.flatMap((a) => (a.health ? [[a.name, a.health()]] : []))),
    }),
    metrics: () => ({
      liveCalls: engine.liveCount,
      lastEventSeq: engine.events.lastSeq,
      driver: telephony.name,
      driverConnected: engine.driverConnected,
      ...(ari && { ari: ari.status() }),
      agentsByState: countBy(acd.listAgents(), (a) => a.status.state),
      waitingByQueue: Object.fromEntries(acd.listQueues().map((q) => [q.id, acd.waitingIn(q.id).length])),
      distribution: acd.distributionFigures(),
    }),
    histograms,
    idempotency: { keys: store.idempotency, clock },
    audit: store.audit,
    auth: {
      apiKeys: config.apiKeys,
      keys: store.apiKeys,
      perMinute: config.rateLimitPerMinute,
      sessions: store.agentSessions,
      sessionTtlMs: config.sessionTtlMs,
      now: () => clock.now(),
    },
    cors: { origins: config.corsOrigins },
    site: {
      listenHost: config.host,
      ...withPublicHost(config.host, config.allowedHosts, cloud?.publicBaseUrl),
    },
    timeouts: config.httpTimeouts,
    replay: config.socketReplay,
    ...(config.socketMaxPendingLive !== undefined && { maxPendingLive: config.socketMaxPendingLive }),
    logger: logger,
    consoleRoot,
    ...(demo && { extraRoutes: [demo.routes] }),
  });

  let closing: Promise<void> | undefined;
  return {
    engine,
    acd,
    ivr,
    get driver(): SimulatorDriver {
      if (!driver) throw new Error(`the ${telephony.name} driver is in use, not the simulator`);
      return driver;
    },
    telephony,
    ari,
    clock,
    store,
    consoleServed: consoleBuilt(consoleRoot),
    async drain() {
      draining = true;
      engine.stopAccepting();
      await engine.idle();
      await webhooksApp.service.drain();
    },
    idle,
    async listen() {
      const url = await app.listen({ port: config.port, host: config.host });
      demo?.listening(app.server.address(), ivrVariables);
      return url;
    },
    close() {
      closing ??= (async () => {
        if (clock instanceof VirtualClock) clock.pause();
        for (const app of apps) await app.stop();
        await engine.stop();
        // After the engine: ending the live calls lets apps (the IVR) write how they ended into the records.
        for (const app of apps) await app.afterCallsEnded?.();
        await app.close();
        await store.close();
        await realtime?.close();
      })();
      return closing;
    },
  };
}

/** Where `npm start` builds the operator console (scripts/build-console.ts). */
const CONSOLE_ROOT = resolve(import.meta.dirname, '../web/dist');

/** The cloud driver configured, if any. */
function cloudDriver(
  config: SwitchboardConfig,
  deps: { clock: Clock; fetch: OutboundFetch; log?: Logger },
): (TelephonyDriver & WebhookReceiver) | undefined {
  const { twilio } = config;
  if (twilio) {
    return new TwilioDriver({
      accountSid: twilio.accountSid,
      authToken: twilio.authToken,
      ...(twilio.apiKey && { apiKey: twilio.apiKey, apiSecret: twilio.apiSecret }),
      callerId: twilio.callerId,
      publicBaseUrl: twilio.publicUrl,
      ...(twilio.apiUrl && { apiBaseUrl: twilio.apiUrl }),
      ...(twilio.mediaUrl && { mediaBaseUrl: twilio.mediaUrl }),
      ...deps,
    });
  }
  const { exotel } = config;
  if (exotel) {
    return new ExotelDriver({
      sid: exotel.sid,
      apiKey: exotel.apiKey,
      apiToken: exotel.apiToken,
      apiBaseUrl: exotel.apiUrl ?? `https://${exotel.subdomain}`,
      virtualNumber: exotel.virtualNumber,
      ...(exotel.appId && { appId: exotel.appId }),
      publicBaseUrl: exotel.publicUrl,
      ...deps,
    });
  }
  return undefined;
}

/**
 * The host names served: the provider calls back at the public URL's host, which is served too unless
 * any host already is (ALLOWED_HOSTS=*, or listening on every interface with no list).
 */
function withPublicHost(
  listenHost: string,
  allowed: readonly string[] | '*' | undefined,
  publicUrl: string | undefined,
): { allowedHosts?: readonly string[] | '*' } {
  const anyHost =
    allowed === '*' || (allowed === undefined && ['0.0.0.0', '::', '[::]'].includes(listenHost));
  if (!publicUrl || anyHost) return allowed === undefined ? {} : { allowedHosts: allowed };
  return { allowedHosts: [...(allowed ?? []), new URL(publicUrl).hostname] };
}

function makeClock(setting: SwitchboardConfig['clock']): Clock {
  if (setting === 'real') return new SystemClock();
  const clock = new VirtualClock(Date.now());
  if (typeof setting === 'number') clock.runAtSpeed(setting);
  return clock;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/** The key book of a site's store, for the CLI (`switchboard keys ...`) without starting the server. */
export async function openKeyBook(config: SwitchboardConfig): Promise<{
  readonly auth: Authenticator;
  readonly keyCount: () => Promise<number>;
  close(): Promise<void>;
}> {
  const store = await openStore(config.store);
  return {
    auth: new Authenticator(config.apiKeys, store.apiKeys),
    keyCount: () => store.apiKeys.count(),
    close: () => store.close(),
  };
}

/** Tracing as the environment asks (OTEL_EXPORTER_OTLP_ENDPOINT); see api/tracing-setup.ts. */
export const startTracingFromEnv = tracingFromEnv;
