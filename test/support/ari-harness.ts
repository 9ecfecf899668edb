import { afterEach, expect } from 'vitest';
import { VirtualClock } from '../../src/core/clock.ts';
import { AriDriver, type AriDriverOptions } from '../../src/telephony/ari/ari-driver.ts';
import type { DriverEvent } from '../../src/telephony/driver.ts';
import { FakeAriServer, type FakeRequest, type FakeResponse } from './fake-ari.ts';
import { ASTERISK_INFO, FakePbx } from './fake-ari-pbx.ts';
import { type ReplayOptions, TranscriptReplay } from './fake-ari-replay.ts';

export const APP = 'switchboard';

/** Every driver event, and promises that resolve when a wanted one has arrived. */
export class EventLog {
  readonly events: DriverEvent[] = [];
  private waiters: { test: (e: DriverEvent) => boolean; resolve: (e: DriverEvent) => void }[] = [];

  readonly listener = (event: DriverEvent): void => {
    this.events.push(event);
    const due = this.waiters.filter((w) => w.test(event));
    this.waiters = this.waiters.filter((w) => !due.includes(w));
    for (const w of due) w.resolve(event);
  };

  /** The first event (already seen or still to come) that passes `test`. */
  waitFor<T extends DriverEvent = DriverEvent>(test: (e: DriverEvent) => boolean): Promise<T> {
    const seen = this.events.find(test);
    if (seen) return Promise.resolve(seen as T);
    return new Promise((resolve) =>
      this.waiters.push({ test, resolve: resolve as (e: DriverEvent) => void }),
    );
  }

  /** The first event of `type` (for `channelId`, when given). */
  next<K extends DriverEvent['type']>(
    type: K,
    channelId?: string,
  ): Promise<Extract<DriverEvent, { type: K }>> {
    return this.waitFor(
      (e) => e.type === type && (channelId === undefined || ('channelId' in e && e.channelId === channelId)),
    );
  }

  /** Compact lines for assertions: `inbound <id> sipp→100`, `hangup <id> busy`, ... */
  lines(label: (id: string) => string = (id) => id): string[] {
    return this.events.map((e) => {
      switch (e.type) {
        case 'channel.inbound':
          return `inbound ${label(e.channelId)} ${e.from}→${e.to}`;
        case 'channel.hangup':
          return `hangup ${label(e.channelId)} ${e.cause}`;
        case 'channel.dtmf':
          return `dtmf ${label(e.channelId)} ${e.digit} ${e.durationMs}`;
        case 'playback.finished':
          return `playback.finished ${e.playbackId} ${label(e.channelId)}`;
        case 'recording.finished':
          return `recording.finished ${e.recordingId} ${e.target.kind}:${label(e.target.id)} ${e.durationMs}`;
        case 'driver.disconnected':
          return 'disconnected';
        case 'driver.connected':
          return 'connected';
        case 'endpoint.state':
          return `endpoint ${e.endpoint} ${e.registered ? 'registered' : 'unregistered'}`;
        default:
          return `${e.type.replace('channel.', '')} ${label(e.channelId)}`;
      }
    });
  }
}

/** Driver options for tests: virtual time, no real-time heartbeat, no random jitter. */
export function testDriverOptions(
  url: string,
  clock: VirtualClock,
  extra: Partial<AriDriverOptions> = {},
): AriDriverOptions {
  return {
    url,
    username: 'cti',
    password: 'cti',
    app: APP,
    clock,
    heartbeatMs: 0,
    random: () => 0.5,
    ...extra,
  };
}

/** Requests every replay may get besides the transcript's: the driver's start-up check. */
function startupRequests(request: FakeRequest): FakeResponse | undefined {
  if (request.method === 'GET' && request.path === '/asterisk/info')
    return { status: 200, body: ASTERISK_INFO };
  return undefined;
}

export interface ReplayRun {
  readonly server: FakeAriServer;
  readonly replay: TranscriptReplay;
  readonly driver: AriDriver;
  readonly clock: VirtualClock;
  readonly log: EventLog;
  close(): Promise<void>;
}

/**
 * Every recorded event was delivered and every expected request made: in the recorded order, in the
 * order given (indices into the transcript's requests), or in `any` order.
 */
export async function expectReplayFinished(
  r: ReplayRun,
  order: 'recorded' | 'any' | number[] = 'recorded',
): Promise<void> {
  await r.driver.idle();
  await r.server.flush();
  expect(r.replay.mismatches, 'requests not in the transcript').toEqual([]);
  expect(r.replay.pending(), 'expected requests not made').toEqual([]);
  expect(r.replay.unsent(), 'recorded events not delivered').toEqual([]);
  if (order === 'recorded') expect(r.replay.order).toEqual([...r.replay.order].sort((a, b) => a - b));
  else if (order !== 'any') expect(r.replay.order).toEqual(order);
}

/** For a test file: starts a replay per test (see {@link startReplay}) and closes it after the test. */
export function replayPerTest(): (options: Omit<ReplayOptions, 'app'>) => Promise<ReplayRun> {
  let run: ReplayRun | undefined;
  afterEach(async () => {
    await run?.close();
    run = undefined;
  });
  return async (options) => {
    run = await startReplay(options);
    return run;
  };
}

/** A driver started against a transcript replay. */
export async function startReplay(
  options: Omit<ReplayOptions, 'app'>,
  driverOptions: Partial<AriDriverOptions> = {},
): Promise<ReplayRun> {
  const server = new FakeAriServer();
  const extra = options.unscripted;
  const replay = new TranscriptReplay(server, {
    ...options,
    app: APP,
    unscripted: (request) => startupRequests(request) ?? extra?.(request),
  });
  server.backend = replay;
  await server.listen();
  const clock = new VirtualClock();
  const driver = new AriDriver(
    testDriverOptions(server.url, clock, {
      subscribeAll: !options.scenario.includes('nosuball'),
      ...driverOptions,
    }),
  );
  const log = new EventLog();
  driver.onEvent(log.listener);
  await driver.start();
  return {
    server,
    replay,
    driver,
    clock,
    log,
    async close() {
      await driver.stop();
      await server.close();
    },
  };
}

export interface PbxRun {
  readonly server: FakeAriServer;
  readonly pbx: FakePbx;
  readonly driver: AriDriver;
  readonly clock: VirtualClock;
  readonly log: EventLog;
  /** Lets every event sent so far reach the driver, and its requests finish. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** A driver against the stateful fake PBX, on one virtual clock; not started. */
export async function startPbx(
  driverOptions: Partial<AriDriverOptions> = {},
  clock: VirtualClock = new VirtualClock(),
): Promise<PbxRun> {
  const server = new FakeAriServer();
  const pbx = new FakePbx(server, clock);
  pbx.defaultApp = APP;
  server.backend = pbx;
  await server.listen();
  const driver = new AriDriver(testDriverOptions(server.url, clock, driverOptions));
  const log = new EventLog();
  driver.onEvent(log.listener);
  const settle = async () => {
    for (let round = 0; round < 100; round++) {
      await server.flush();
      const before = server.requests.length;
      await driver.idle();
      await server.flush();
      if (server.requests.length === before && driver.status().requestsInFlight === 0) return;
    }
  };
  return {
    server,
    pbx,
    driver,
    clock,
    log,
    settle,
    async close() {
      await driver.stop();
      await server.close();
    },
  };
}
