import { existsSync } from 'node:fs';
import type { CountryCode } from 'libphonenumber-js';
import pino, { type Logger } from 'pino';
import { buildServer } from './api/server.ts';
import type { SimControls } from './api/sim-controls.ts';
import { AcdService } from './apps/acd/acd-service.ts';
import { EmergencyService } from './apps/emergency/emergency-service.ts';
import { IvrService } from './apps/ivr/ivr-service.ts';
import type { SwitchboardConfig } from './config/config.ts';
import { type Clock, SystemClock, VirtualClock } from './core/clock.ts';
import { DemoSite } from './demo/demo.ts';
import { CallEngine } from './engine/call-engine.ts';
import { createOutboundFetch } from './net/outbound-fetch.ts';
import { createOutboundPolicy } from './net/outbound-policy.ts';
import { MemorySink } from './notify/notification.ts';
import { openStore } from './store/open-store.ts';
import type { Store, StoreConfig } from './store/types.ts';
import { AriDriver } from './telephony/ari/ari-driver.ts';
import { realtimeAgentPhones } from './telephony/ari/provisioning/agent-phones.ts';
import { RealtimePhones } from './telephony/ari/provisioning/realtime-phones.ts';
import type { TelephonyDriver } from './telephony/driver.ts';
import { loadProfilesFile } from './telephony/sim/load-profiles.ts';
import { SimulatorDriver } from './telephony/sim/simulator.ts';

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
  /** Starts listening; resolves with the base URL. */
  listen(): Promise<string>;
  /** Ends live calls (`server_restart`), flushes records, closes connections. Idempotent. */
  close(): Promise<void>;
}

export interface SwitchboardParts {
  /** A clock to use instead of the configured one (tests pass a VirtualClock they keep). */
  readonly clock?: Clock;
  readonly store?: StoreConfig;
  readonly logger?: Logger | false;
}

/** The composition root: builds the store, clock, driver, engine and API from the configuration. */
export async function createSwitchboard(
  given: SwitchboardConfig,
  parts: SwitchboardParts = {},
): Promise<Switchboard> {
  const config = given.demo ? DemoSite.configure(given) : given;
  const logger = parts.logger === undefined ? pino({ level: config.logLevel }) : parts.logger;
  const log = logger || undefined;
  const clock = parts.clock ?? makeClock(config.clock);
  const demo = config.demo ? new DemoSite(clock) : undefined;
  const store = await openStore(parts.store ?? config.store);
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
  const telephony: TelephonyDriver = driver ?? (ari as AriDriver);
  const engine = new CallEngine({
    driver: telephony,
    clock,
    store,
    ringTimeoutMs: config.ringTimeoutMs,
    defaultCountry: config.defaultCountry as CountryCode,
    maxLiveCalls: config.maxLiveCalls,
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
  const acd = new AcdService({
    ...(realtime && { phones: realtimeAgentPhones(realtime) }),
    engine,
    publish: (event) => engine.publish(event),
    store,
    clock,
    ...(log && { log }),
  });
  engine.useDirectory(acd);
  const notifications = new MemorySink();
  const emergencies = new EmergencyService({
    engine,
    acd,
    publish: (event) => engine.publish(event),
    store,
    sink: notifications,
    clock,
    ...(demo && { drivers: demo.fleet }),
    ...(log && { log }),
  });
  const flowsDir = config.flowsDir ?? (existsSync('flows') ? 'flows' : undefined);
  // Kept by reference: the demo adds `dispatchApi` once the server listens and its port is known.
  const ivrVariables = { ...config.ivrVariables };
  const ivr = new IvrService({
    engine,
    acd,
    publish: (event) => engine.publish(event),
    store,
    clock,
    options: {
      variables: ivrVariables,
      fetch: createOutboundFetch(createOutboundPolicy({ allow: config.outboundHttpAllow })),
      ...(flowsDir !== undefined && { flowsDir }),
    },
    ...(log && { log }),
  });
  // Virtual time waits for every consequence of a timer: engine steps and the apps' reactions to them.
  const workers = [engine, acd, emergencies, ivr];
  if (clock instanceof VirtualClock) {
    clock.onSettle(async () => {
      do {
        for (const worker of workers) await worker.idle();
      } while (workers.some((w) => w.busy));
    });
  }
  await engine.start();
  await acd.start();
  emergencies.start();
  await ivr.start();
  await demo?.seed({ acd, ivr }, config.defaultCountry as CountryCode);

  const sim: SimControls | undefined = driver && {
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
    ...(clock instanceof VirtualClock && { clock }),
    reset: async () => {
      await engine.endAll('canceled');
      driver.reset();
    },
  };
  const { app } = await buildServer({
    calls: engine,
    events: engine.events,
    sim,
    acd,
    emergencies,
    ivr,
    notifications,
    agentStates: store.agentStates,
    defaultCountry: config.defaultCountry as CountryCode,
    telephonyCheck: async () => ({
      driver: telephony.name,
      ...(ari && { ari: await ari.check() }),
      ...(realtime && { realtime: await realtime.check() }),
    }),
    health: () => ({
      driver: telephony.name,
      ...(ari && { ari: ari.status() }),
      store: store.kind,
      clock: clock instanceof VirtualClock ? 'virtual' : 'real',
      liveCalls: engine.liveCount,
      acd: acd.distributionFigures(),
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
    idempotency: { keys: store.idempotency, clock },
    auth: { apiKeys: config.apiKeys },
    cors: { origins: config.corsOrigins },
    site: {
      listenHost: config.host,
      ...(config.allowedHosts !== undefined && { allowedHosts: config.allowedHosts }),
    },
    timeouts: config.httpTimeouts,
    replay: config.socketReplay,
    logger: logger,
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
    async listen() {
      const url = await app.listen({ port: config.port, host: config.host });
      demo?.listening(app.server.address(), ivrVariables);
      return url;
    },
    close() {
      closing ??= (async () => {
        if (clock instanceof VirtualClock) clock.pause();
        emergencies.stop();
        acd.stop();
        await engine.stop();
        // After the engine: ending the live calls lets the IVR write their traces into the records.
        await ivr.stop();
        await app.close();
        await store.close();
        await realtime?.close();
      })();
      return closing;
    },
  };
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
