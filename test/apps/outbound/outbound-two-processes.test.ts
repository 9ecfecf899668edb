import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { AcdService } from '../../../src/apps/acd/acd-service.ts';
import { OutboundService } from '../../../src/apps/outbound/outbound-service.ts';
import { loadConfig } from '../../../src/config/config.ts';
import { VirtualClock } from '../../../src/core/clock.ts';
import { CallEngine } from '../../../src/engine/call-engine.ts';
import { openStore } from '../../../src/store/open-store.ts';
import type { Store } from '../../../src/store/types.ts';
import { SimulatorDriver } from '../../../src/telephony/sim/simulator.ts';
import { describeOn, storeBackends } from '../../support/store-backends.ts';

/**
 * Two processes' outbound services sharing one PostgreSQL for their jobs and call logs, each with its
 * own engine, simulator and clock: no job is started by both. (The whole server cannot share one
 * PostgreSQL yet: its event log numbers events per process.)
 */

const limits = loadConfig({}, { MAX_CONCURRENT_OUTBOUND_CALLS: '4' }).outbound;
const anyAgent = { getAgent: () => ({}) } as unknown as Pick<AcdService, 'getAgent'>;

for (const backend of await storeBackends()) {
  if (backend.name !== 'postgres') continue;
  describeOn(backend, 'outbound services of two processes on one PostgreSQL', () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    /** One process: its own engine (on its own embedded store), sharing the outbound tables. */
    async function process(shared: Store) {
      const dir = mkdtempSync(join(tmpdir(), 'switchboard-two-'));
      const clock = new VirtualClock();
      const driver = new SimulatorDriver({
        clock,
        profiles: [{ match: '*', profile: { answerAfterMs: 0, hangupAfterMs: 5_000 } }],
      });
      const own = await openStore({ kind: 'sqlite', file: join(dir, 'switchboard.db') });
      const engine = new CallEngine({ driver, clock, store: own });
      const outbound = new OutboundService({
        engine,
        acd: anyAgent,
        publish: (event) => engine.publish(event),
        store: shared,
        clock,
        options: limits,
      });
      clock.onSettle(async () => {
        do {
          await engine.idle();
          await outbound.idle();
        } while (engine.busy || outbound.busy);
      });
      await engine.start();
      const started: string[] = [];
      engine.events.subscribe((event) => {
        if (event.type !== 'call.ringing') return;
        const id = (event.data.call.context.outbound as { callLogId?: string } | undefined)?.callLogId;
        if (id) started.push(id);
      });
      cleanups.push(async () => {
        outbound.stop();
        await engine.stop();
        await own.close();
        rmSync(dir, { recursive: true, force: true });
      });
      return { clock, outbound, started };
    }

    it('never starts one job in both', async () => {
      const { config, dispose } = await backend.provision();
      cleanups.push(dispose);
      const stores = [await openStore(config), await openStore(config)];
      cleanups.push(async () => {
        for (const s of stores) await s.close();
      });
      const a = await process(stores[0] as Store);
      await a.outbound.start();
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) {
        const scheduled = await a.outbound.schedule({
          phoneNumber: `+1212555${String(300 + i).padStart(4, '0')}`,
          agentId: 'sim/alice',
          scheduledFor: '2026-01-05T09:01:00Z',
        });
        ids.push(scheduled.callLogId);
      }
      const b = await process(stores[1] as Store);
      await b.outbound.start();
      for (let step = 0; step < 30; step++)
        await Promise.all([a.clock.advance(5_000), b.clock.advance(5_000)]);
      const all = [...a.started, ...b.started];
      expect(new Set(all).size).toBe(all.length);
      expect(new Set(all)).toEqual(new Set(ids));
      // Each took its share within its own limit of 4 at a time.
      expect(a.started.length).toBeGreaterThan(0);
      expect(b.started.length).toBeGreaterThan(0);
      for (const id of ids) {
        expect((await a.outbound.get(id)).status).toBe('completed');
      }
    }, 60_000);
  });
}
