/**
 * Heap per simulated channel: the simulator driver alone (no engine, no store) holding many ringing
 * channels on a virtual clock.
 *
 *   npx tsx bench/sim-channel-memory.ts [--channels 100000]
 *
 * Each channel rings with an originate timeout, the most timers a channel holds at once (its party's
 * next move and the deadline). Target: well under 1 KiB of heap per channel. Prints figures only.
 */
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { VirtualClock } from '../src/core/clock.ts';
import { SimulatorDriver } from '../src/telephony/sim/simulator.ts';
import { mib } from './support/format.ts';

const TARGET_BYTES_PER_CHANNEL = 1_024;

const { values } = parseArgs({ options: { channels: { type: 'string', default: '100000' } } });
const count = Number(values.channels);
if (!Number.isInteger(count) || count < 1) {
  throw new Error(`--channels must be a whole number above 0, got "${values.channels}"`);
}
// `npx tsx` runs without --expose-gc: expose it now, from a fresh context.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const clock = new VirtualClock();
const driver = new SimulatorDriver({ clock });
await driver.start();
// Made before the baseline: the ids and numbers are the caller's memory, not the channels'.
const ids = Array.from({ length: count }, (_, i) => `ch-${i}`);
const numbers = Array.from({ length: count }, (_, i) => `+1555${String(i).padStart(7, '0')}`);

gc();
const before = process.memoryUsage().heapUsed;
const started = performance.now();
for (let i = 0; i < count; i++) {
  await driver.originate({
    channelId: ids[i]!,
    endpoint: { kind: 'number', value: numbers[i]! },
    timeoutMs: 60_000,
  });
}
const elapsedMs = performance.now() - started;
gc();
const ringing = process.memoryUsage().heapUsed;
driver.reset();
const timersLeft = clock.pendingTimers;
// Cancelled timers leave the virtual clock's heap only when their time comes.
await clock.advance(60_000);
gc();
const after = process.memoryUsage().heapUsed;

const perChannel = (ringing - before) / count;
console.log(`Simulator: ${count.toLocaleString('en-US')} ringing channels, node ${process.version}`);
console.log(
  `  heap per ringing channel: ${perChannel.toFixed(0)} B (target < ${TARGET_BYTES_PER_CHANNEL} B -> ` +
    `${perChannel < TARGET_BYTES_PER_CHANNEL ? 'met' : 'MISSED'})`,
);
console.log(
  `  heap: ${mib(before)} before, ${mib(ringing)} ringing, ${mib(after)} after reset ` +
    `(timers left: ${timersLeft})`,
);
console.log(
  `  originate: ${(elapsedMs / 1000).toFixed(2)} s, ${Math.round((count * 1000) / elapsedMs).toLocaleString('en-US')} channels/s`,
);
