import { afterEach, beforeEach, expect, it } from 'vitest';
import { VirtualClock } from '../src/core/clock.ts';
import { JobRunner, type NewJob } from '../src/core/jobs.ts';
import { openStore } from '../src/store/open-store.ts';
import type { Store, StoreConfig } from '../src/store/types.ts';
import { describeOn, storeBackends } from './support/store-backends.ts';

/** The durable job queue and the outbound call logs: one contract suite on every backend. */

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const job = (id: string, runAt: number, extra: Partial<NewJob> = {}): NewJob => ({
  id,
  kind: 'test.kind',
  runAt,
  payload: { id },
  ...extra,
});

for (const backend of await storeBackends()) {
  describeOn(backend, `job queue: ${backend.name}`, () => {
    let config: StoreConfig;
    let dispose: () => Promise<void>;
    const opened: Store[] = [];
    let store: Store;
    const open = async () => {
      const s = await openStore(config);
      opened.push(s);
      return s;
    };

    beforeEach(async () => {
      ({ config, dispose } = await backend.provision());
      store = await open();
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
      await dispose();
    });

    it('claims only due jobs, by priority then time, and adds an id once', async () => {
      await store.jobs.add([job('b', T0 + 10), job('a', T0 + 20, { priority: 2 }), job('later', T0 + 5000)]);
      await store.jobs.add([job('b', T0 + 99_999, { payload: { changed: true } })]);
      expect(await store.jobs.nextRunAt('test.kind')).toBe(T0 + 10);
      expect(await store.jobs.count('test.kind', 'pending', T0 + 100)).toBe(2);
      const claimed = await store.jobs.claim({
        kind: 'test.kind',
        now: T0 + 100,
        limit: 10,
        owner: 'p1',
        leaseMs: 1000,
      });
      expect(claimed.map((j) => j.id)).toEqual(['a', 'b']);
      expect(claimed[1]).toMatchObject({ state: 'running', owner: 'p1', attempts: 1, payload: { id: 'b' } });
      expect(
        await store.jobs.claim({ kind: 'test.kind', now: T0 + 100, limit: 10, owner: 'p2', leaseMs: 1000 }),
      ).toEqual([]);
      expect(
        await store.jobs.claim({ kind: 'other', now: T0 + 9999, limit: 10, owner: 'p2', leaseMs: 1000 }),
      ).toEqual([]);
      expect(await store.jobs.nextRunAt('test.kind')).toBe(T0 + 5000);
    });

    it('completes and releases only for the owner, cancels only pending jobs', async () => {
      await store.jobs.add([job('x', T0), job('y', T0)]);
      await store.jobs.claim({ kind: 'test.kind', now: T0, limit: 1, owner: 'p1', leaseMs: 1000 });
      expect(await store.jobs.complete('x', 'p2')).toBe(false);
      expect(await store.jobs.cancel('x')).toBe(false);
      expect(await store.jobs.release('x', 'p1', T0 + 500)).toBe(true);
      expect(await store.jobs.get('x')).toMatchObject({ state: 'pending', runAt: T0 + 500 });
      expect(await store.jobs.cancel('y')).toBe(true);
      expect((await store.jobs.get('y'))?.state).toBe('canceled');
      const [again] = await store.jobs.claim({
        kind: 'test.kind',
        now: T0 + 500,
        limit: 5,
        owner: 'p3',
        leaseMs: 1000,
      });
      expect(again).toMatchObject({ id: 'x', attempts: 2 });
      expect(await store.jobs.complete('x', 'p3')).toBe(true);
      expect((await store.jobs.get('x'))?.state).toBe('done');
    });

    it('hands a job whose lease ran out to another process, and fences the first', async () => {
      await store.jobs.add([job('z', T0)]);
      await store.jobs.claim({ kind: 'test.kind', now: T0, limit: 1, owner: 'dead', leaseMs: 1000 });
      expect(await store.jobs.recover('test.kind', T0 + 999)).toBe(0);
      expect(await store.jobs.recover('test.kind', T0 + 1000)).toBe(1);
      const [taken] = await store.jobs.claim({
        kind: 'test.kind',
        now: T0 + 1000,
        limit: 1,
        owner: 'alive',
        leaseMs: 1000,
      });
      expect(taken?.id).toBe('z');
      expect(await store.jobs.complete('z', 'dead')).toBe(false);
      expect(await store.jobs.complete('z', 'alive')).toBe(true);
    });

    it('keeps jobs across a restart', async () => {
      await store.jobs.add([job('kept', T0 + 60_000)]);
      await store.close();
      const reopened = await open();
      expect(await reopened.jobs.get('kept')).toMatchObject({ state: 'pending', runAt: T0 + 60_000 });
    });

    it('never hands one job to two processes claiming at once', async () => {
      const jobs = Array.from({ length: 300 }, (_, i) => job(`j${String(i).padStart(3, '0')}`, T0));
      await store.jobs.add(jobs);
      // Two stores on one database are two processes' connections.
      const other = await open();
      const claims = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 === 0 ? store : other).jobs.claim({
            kind: 'test.kind',
            now: T0,
            limit: 40,
            owner: `p${i}`,
            leaseMs: 60_000,
          }),
        ),
      );
      const ids = claims.flat().map((j) => j.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(300);
    });

    it('runs each job once with two runners (two processes) on one database', async () => {
      const ids = Array.from({ length: 120 }, (_, i) => `r${String(i).padStart(3, '0')}`);
      await store.jobs.add(ids.map((id) => job(id, T0)));
      const other = await open();
      const ran: { id: string; by: string }[] = [];
      const runners = [store, other].map((s, i) => {
        const runner = new JobRunner({
          queue: s.jobs,
          clock: new VirtualClock(T0),
          owner: `p${i}`,
          batch: 7,
        });
        runner.register({
          kind: 'test.kind',
          capacity: () => 3,
          run: async (claimed) => {
            ran.push({ id: claimed.id, by: `p${i}` });
            return 'done';
          },
        });
        return runner;
      });
      await Promise.all(runners.map((r) => r.start()));
      while ((await store.jobs.count('test.kind', 'done')) < ids.length) {
        await Promise.all(runners.map((r) => r.idle()));
        for (const r of runners) r.wake();
      }
      for (const r of runners) r.stop();
      expect(ran.map((r) => r.id).sort()).toEqual(ids);
      expect(await store.jobs.count('test.kind', 'pending')).toBe(0);
    });

    it('keeps outbound call logs and finds retries and live ones', async () => {
      const first = { id: 'log-1', status: 'failed', createdAtMs: T0, phoneNumber: '+15551230000' };
      await store.outboundCalls.save(first);
      await store.outboundCalls.save({
        id: 'log-3',
        status: 'scheduled',
        retryOf: 'log-1',
        createdAtMs: T0 + 2,
      });
      await store.outboundCalls.save({
        id: 'log-2',
        status: 'ringing',
        retryOf: 'log-1',
        callId: 'c',
        createdAtMs: T0 + 1,
      });
      expect(await store.outboundCalls.get('log-1')).toEqual(first);
      expect((await store.outboundCalls.retriesOf('log-1')).map((l) => l.id)).toEqual(['log-2', 'log-3']);
      expect((await store.outboundCalls.withStatus(['ringing', 'scheduled'])).map((l) => l.id)).toEqual([
        'log-2',
        'log-3',
      ]);
      expect(await store.outboundCalls.countWithStatus(['failed'])).toBe(1);
      await store.outboundCalls.save({ ...first, status: 'canceled' });
      expect((await store.outboundCalls.get('log-1'))?.status).toBe('canceled');
      const many = Array.from({ length: 1200 }, (_, i) => ({
        id: `m${i}`,
        status: 'queued',
        createdAtMs: T0 + 10 + i,
      }));
      await store.outboundCalls.saveAll(many);
      expect(await store.outboundCalls.countWithStatus(['queued'])).toBe(1200);
      expect(await store.outboundCalls.get('m1199')).toEqual(many[1199]);
    });
  });
}
