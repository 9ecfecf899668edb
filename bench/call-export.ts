/**
 * The call log's CSV export of many records, streamed: wall time, rate, and the heap and RSS reached
 * while streaming, against the heap before it. Records are seeded straight into the embedded SQLite
 * store (through the store's commit, as the engine writes them), then `GET /api/v1/calls/export` is read
 * over HTTP chunk by chunk, never held whole.
 *
 *   npm run bench:export -- [--records 100000]
 *
 * A second export of a tenth of the records (the newest, by `since`) shows whether memory grows with
 * the number of records: streamed page by page, it should not. "Live after collection" is the heap a full
 * garbage collection leaves mid-stream: what the export holds, without the garbage a collection would
 * free. Prints figures only; nothing is asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSwitchboard } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import type { CallSnapshot } from '../src/core/call.ts';
import { VirtualClock } from '../src/core/clock.ts';
import { exposeGc, fmt, mib, signedMiB, whole } from './support/format.ts';

const { values } = parseArgs({ options: { records: { type: 'string', default: '100000' } } });
const records = whole(values.records, '--records');
const gc = exposeGc();
const T0 = Date.UTC(2025, 0, 1);

const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-export-'));
const sb = await createSwitchboard(
  loadConfig({}, { SWITCHBOARD_DATA_DIR: dataDir, CTI_PORT: '0', LOG_LEVEL: 'silent' }),
  { clock: new VirtualClock(), logger: false },
);

function record(i: number): CallSnapshot {
  const startedAt = new Date(T0 + i * 60_000).toISOString();
  const answeredAt = new Date(T0 + i * 60_000 + 5_000).toISOString();
  const endedAt = new Date(T0 + i * 60_000 + 65_000).toISOString();
  const to = `+1212555${String(i % 10_000).padStart(4, '0')}`;
  return {
    id: `bench-${String(i).padStart(8, '0')}`,
    direction: i % 2 === 0 ? 'outbound' : 'inbound',
    status: 'ended',
    from: 'PJSIP/1001',
    to,
    context: { ticket: `T-${i}`, note: 'a "quoted", comma-holding note' },
    legs: [
      {
        id: `l${i}a`,
        role: 'agent',
        agentId: 'agent-1',
        address: 'PJSIP/1001',
        status: 'ended',
        startedAt,
        answeredAt,
        endedAt,
        endReason: 'normal',
      },
      {
        id: `l${i}b`,
        role: 'callee',
        address: to,
        status: 'ended',
        startedAt,
        answeredAt,
        endedAt,
        endReason: 'normal',
      },
    ],
    startedAt,
    answeredAt,
    endedAt,
    duration: 60,
    endReason: 'normal',
    agentId: 'agent-1',
    queueId: 'support',
  };
}

const seedStart = performance.now();
for (let start = 0; start < records; start += 1_000) {
  const calls = Array.from({ length: Math.min(1_000, records - start) }, (_, k) => record(start + k));
  await sb.store.commit({ calls, events: [] });
}
console.log(`seeded ${fmt(records)} records in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

const url = await sb.listen();

/** Streams one export, sampling memory as it goes; answers the figures. */
async function exportOnce(query: string) {
  gc();
  const baseline = process.memoryUsage();
  let peakHeap = baseline.heapUsed;
  let peakRss = baseline.rss;
  let peakRetained = baseline.heapUsed;
  let samples = 0;
  const sample = setInterval(() => {
    const now = process.memoryUsage();
    peakHeap = Math.max(peakHeap, now.heapUsed);
    peakRss = Math.max(peakRss, now.rss);
    // Every tenth sample after a full collection: what the export holds, garbage aside.
    if (++samples % 10 === 0) {
      gc();
      peakRetained = Math.max(peakRetained, process.memoryUsage().heapUsed);
    }
  }, 20);
  const started = performance.now();
  const res = await fetch(`${url}/api/v1/calls/export${query}`);
  if (res.status !== 200 || res.body === null) throw new Error(`export answered ${res.status}`);
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    bytes += chunk.byteLength;
    for (const byte of chunk) if (byte === 10) lines += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sample);
  return { rows: lines - 1, bytes, seconds, baseline, peakHeap, peakRss, peakRetained };
}

for (const [label, query] of [
  ['all', '?timezone=Europe/Paris'],
  ['newest tenth', `?since=${new Date(T0 + Math.floor(records * 0.9) * 60_000).toISOString()}`],
  ['all again', ''],
] as const) {
  const r = await exportOnce(query);
  console.log(
    `${label}: ${fmt(r.rows)} rows, ${mib(r.bytes)} in ${r.seconds.toFixed(2)} s (${fmt(Math.round(r.rows / r.seconds))} rows/s); ` +
      `heap ${mib(r.baseline.heapUsed)} before, peak ${signedMiB(r.peakHeap - r.baseline.heapUsed)} ` +
      `(${signedMiB(r.peakRetained - r.baseline.heapUsed)} live after collection); ` +
      `RSS ${mib(r.baseline.rss)} before, peak ${signedMiB(r.peakRss - r.baseline.rss)}`,
  );
}

await sb.close();
rmSync(dataDir, { recursive: true, force: true });
