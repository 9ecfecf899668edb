import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VirtualClock } from '../../src/core/clock.ts';
import { CallEngine } from '../../src/engine/call-engine.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { TelephonyDriver } from '../../src/telephony/driver.ts';

/** What a fake provider tells the settling loop: how much it has done, and when it has nothing in flight. */
export interface FakeProvider {
  readonly requests: readonly unknown[];
  readonly callbacks: readonly unknown[];
  settle(): Promise<void>;
}

/**
 * A started engine on a cloud driver and its own embedded store, with virtual time that waits until
 * the fake provider, the driver (`driverIdle`) and the engine are all quiet after each step.
 */
export async function engineOnCloud(
  driver: TelephonyDriver,
  clock: VirtualClock,
  fake: FakeProvider,
  driverIdle: () => Promise<void> = async () => {},
): Promise<{ engine: CallEngine; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `engine-${driver.name}-`));
  const store = await openStore({ kind: 'sqlite', file: join(dir, 'switchboard.db') });
  const engine = new CallEngine({ driver, clock, store });
  const done = () => fake.requests.length + fake.callbacks.length;
  clock.onSettle(async () => {
    for (let round = 0; round < 50; round++) {
      const before = done();
      await driverIdle();
      await fake.settle();
      do await engine.idle();
      while (engine.busy);
      await fake.settle();
      if (done() === before && !engine.busy) return;
    }
    throw new Error(`engine and fake ${driver.name} did not settle`);
  });
  await engine.start();
  return {
    engine,
    async close() {
      await engine.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
