/**
 * ARI driver throughput, against the fake Asterisk of the tests on 127.0.0.1:
 * 1. events per second the driver ingests from a firehose of recorded inbound-call event sequences
 *    (the `inbound` transcript: 20 events a call with subscribeAll), next to a bare WebSocket client
 *    that only parses JSON;
 * 2. REST command latency: `sendDtmf` through the driver against the same request with raw fetch.
 *
 * Run: npx tsx bench/ari-ingest.ts [calls=20000] [requests=2000]
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { VirtualClock } from '../src/core/clock.ts';
import { AriDriver } from '../src/telephony/ari/ari-driver.ts';
import { FakeAriServer } from '../test/support/fake-ari.ts';
import { FakePbx } from '../test/support/fake-ari-pbx.ts';
import { loadEvents } from '../test/support/fake-ari-replay.ts';

const CALLS = Number(process.argv[2] ?? 20_000);
const REQUESTS = Number(process.argv[3] ?? 2_000);
const APP = 'switchboard';

/** One recorded inbound call's events as text, with `@ID@` where the channel id goes. */
function callTemplate(): string[] {
  const recorded = loadEvents('inbound');
  return recorded.map((event) =>
    JSON.stringify(event).replaceAll('"1795319622.5"', '"@ID@"').replaceAll('cti-app', APP),
  );
}

/** Sends `calls` calls' events to the application's socket, respecting back-pressure. */
async function firehose(server: FakeAriServer, template: string[], calls: number): Promise<number> {
  const socket = (server as unknown as { sockets: Set<{ ws: WebSocket; app: string }> }).sockets;
  const ws = [...socket].find((s) => s.app === APP)?.ws;
  if (!ws) throw new Error('no application socket');
  let sent = 0;
  for (let call = 0; call < calls; call++) {
    const id = `"bench-${call}"`;
    const last = template.length - 1;
    for (let i = 0; i < last; i++) ws.send(template[i]!.replace('"@ID@"', id));
    const text = template[last]!.replace('"@ID@"', id);
    sent += template.length;
    // Back-pressure: past 8 MiB queued, wait until this message has been written.
    if (ws.bufferedAmount > 8 * 1024 * 1024) await new Promise((resolve) => ws.send(text, resolve));
    else ws.send(text);
  }
  return sent;
}

async function ingest(): Promise<void> {
  const template = callTemplate();
  const server = new FakeAriServer();
  server.backend = new FakePbx(server, new VirtualClock());
  await server.listen();

  // Baseline: a bare client that parses each message and does nothing else.
  const bare = new WebSocket(`${server.url.replace('http', 'ws')}/events?app=${APP}&api_key=cti:cti`);
  await new Promise((resolve) => bare.once('open', resolve));
  let parsed = 0;
  const total = CALLS * template.length;
  const bareDone = new Promise<void>((resolve) =>
    bare.on('message', (data) => {
      JSON.parse(data.toString());
      if (++parsed === total) resolve();
    }),
  );
  let start = performance.now();
  await firehose(server, template, CALLS);
  await bareDone;
  const bareMs = performance.now() - start;
  bare.close();

  const driver = new AriDriver({
    url: server.url,
    username: 'cti',
    password: 'cti',
    app: APP,
    heartbeatMs: 0,
  });
  let hangups = 0;
  const done = new Promise<void>((resolve) =>
    driver.onEvent((e) => {
      if (e.type === 'channel.hangup' && ++hangups === CALLS) resolve();
    }),
  );
  await driver.start();
  const before = driver.status().eventsReceived;
  start = performance.now();
  await firehose(server, template, CALLS);
  await done;
  const driverMs = performance.now() - start;
  const received = driver.status().eventsReceived - before;
  await driver.stop();
  await server.close();

  const rate = (n: number, ms: number) => Math.round((n / ms) * 1000).toLocaleString('en-US');
  console.log(
    `ARI event ingestion (${CALLS.toLocaleString('en-US')} inbound calls, ${template.length} events each):`,
  );
  console.log(`  bare ws client (parse only): ${rate(total, bareMs)} events/s`);
  console.log(
    `  ARI driver:                  ${rate(received, driverMs)} events/s (${rate(CALLS, driverMs)} calls/s, every call announced and ended)`,
  );
  console.log(
    `  recorded PBX ceiling for comparison: ~13,000 events/s (820 PJSIP calls/s on the 2-core rig)`,
  );
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function describe(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return `${label} mean ${mean.toFixed(3)} ms, p50 ${percentile(sorted, 50).toFixed(3)} ms, p99 ${percentile(sorted, 99).toFixed(3)} ms`;
}

async function latency(): Promise<void> {
  const server = new FakeAriServer();
  const pbx = new FakePbx(server, new VirtualClock());
  pbx.defaultApp = APP;
  server.backend = pbx;
  await server.listen();
  const driver = new AriDriver({
    url: server.url,
    username: 'cti',
    password: 'cti',
    app: APP,
    heartbeatMs: 0,
  });
  await driver.start();
  const channelId = pbx.inboundCall({ from: '+15557770001', to: '200', app: APP });
  await new Promise<void>((resolve) => driver.onEvent((e) => e.type === 'channel.inbound' && resolve()));
  await driver.answer(channelId);

  const auth = `Basic ${Buffer.from('cti:cti').toString('base64')}`;
  const raw = async () => {
    const res = await fetch(`${server.url}/channels/${channelId}/dtmf?dtmf=1`, {
      method: 'POST',
      headers: { authorization: auth },
    });
    await res.arrayBuffer();
  };
  const viaDriver = () => driver.sendDtmf(channelId, '1');
  for (let i = 0; i < 200; i++) {
    await raw();
    await viaDriver();
  }
  const rawTimes: number[] = [];
  const driverTimes: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    let t = performance.now();
    await raw();
    rawTimes.push(performance.now() - t);
    t = performance.now();
    await viaDriver();
    driverTimes.push(performance.now() - t);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(
    `REST command latency, POST /channels/{id}/dtmf one at a time (${REQUESTS.toLocaleString('en-US')} each):`,
  );
  console.log(describe('  raw fetch:        ', rawTimes));
  console.log(describe('  driver.sendDtmf:  ', driverTimes));
  console.log(`  driver overhead:   ${(mean(driverTimes) - mean(rawTimes)).toFixed(3)} ms a command (mean)`);

  const concurrent = 64;
  let t = performance.now();
  await Promise.all(Array.from({ length: REQUESTS }, () => raw()));
  const rawBurst = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < REQUESTS; i += concurrent) {
    await Promise.all(Array.from({ length: Math.min(concurrent, REQUESTS - i) }, () => viaDriver()));
  }
  const driverBurst = performance.now() - t;
  console.log(
    `  burst throughput:  raw fetch ${Math.round((REQUESTS / rawBurst) * 1000).toLocaleString('en-US')} req/s (unbounded pool), driver ${Math.round((REQUESTS / driverBurst) * 1000).toLocaleString('en-US')} req/s (${concurrent} in flight, 8 keep-alive sockets)`,
  );
  await driver.stop();
  await server.close();
}

await ingest();
await latency();
