import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../src/core/events.ts';
import { openStore } from '../src/store/open-store.ts';
import type { Store, StoreConfig } from '../src/store/types.ts';
import type { OutboxEntry } from '../src/store/webhook-types.ts';
import { describeOn, storeBackends } from './support/store-backends.ts';

/** The webhook outbox contract (src/store/webhook-types.ts), on every backend. */

const T0 = Date.parse('2026-01-05T09:00:00.000Z');

function event(seq: number, callId?: string): DomainEvent {
  return {
    id: `evt-${seq}`,
    seq,
    type: callId ? 'call.ringing' : 'driver.connected',
    timestamp: new Date(T0 + seq).toISOString(),
    ...(callId && { callId }),
    data: {},
  } as unknown as DomainEvent;
}

const entry = (subscriptionId: string, e: DomainEvent, createdAtMs = T0): OutboxEntry => ({
  id: `${subscriptionId}-${e.seq}`,
  subscriptionId,
  eventSeq: e.seq,
  orderKey: e.callId ?? null,
  createdAtMs,
});

const ids = (list: readonly { id: string }[]) => list.map((d) => d.id);

/** Each test gets a fresh store (`current()`); `reopen()` opens the same place again, as a restart. */
function eachBackend(
  title: string,
  body: (context: { current: () => Store; reopen: () => Promise<Store> }) => void,
): void {
  for (const backend of backends) {
    describeOn(backend, `${title}: ${backend.name}`, () => {
      let config: StoreConfig;
      let dispose: () => Promise<void>;
      let store: Store;
      const opened: Store[] = [];
      const reopen = async () => {
        const s = await openStore(config);
        opened.push(s);
        return s;
      };
      beforeEach(async () => {
        ({ config, dispose } = await backend.provision());
        store = await reopen();
      });
      afterEach(async () => {
        await Promise.all(opened.splice(0).map((s) => s.close()));
        await dispose();
      });
      body({ current: () => store, reopen });
    });
  }
}

const backends = await storeBackends();

eachBackend('webhook outbox', ({ current, reopen }) => {
  it('writes deliveries in the commit of their events, and none of a commit that fails', async () => {
    const store = current();
    const events = [event(1, 'a'), event(2, 'b'), event(3)];
    await store.commit({ calls: [], events, deliveries: events.map((e) => entry('s1', e)) });
    const due = await store.webhookDeliveries.due(T0, 100, ['s1']);
    expect(ids(due)).toEqual(['s1-1', 's1-2', 's1-3']);
    expect(due[0]).toMatchObject({ state: 'pending', attempts: 0, eventType: 'call.ringing', orderKey: 'a' });
    expect(JSON.parse(due[0]!.body)).toEqual(events[0]);

    // seq 3 exists: the whole batch is refused, its deliveries with it.
    await expect(
      store.commit({ calls: [], events: [event(4), event(3)], deliveries: [entry('s1', event(4))] }),
    ).rejects.toThrow();
    expect(ids(await store.webhookDeliveries.due(T0, 100, ['s1']))).toEqual(['s1-1', 's1-2', 's1-3']);

    const again = await reopen();
    expect(ids(await again.webhookDeliveries.due(T0, 100, ['s1']))).toEqual(['s1-1', 's1-2', 's1-3']);
  });

  it('answers only the oldest pending delivery of each call, per subscription, once due and not leased', async () => {
    const store = current();
    const events = [event(1, 'a'), event(2, 'a'), event(3, 'b'), event(4), event(5)];
    await store.commit({
      calls: [],
      events,
      deliveries: [...events.map((e) => entry('s1', e)), entry('s2', events[1]!)],
    });
    const deliveries = store.webhookDeliveries;
    expect(ids(await deliveries.due(T0, 100, ['s1', 's2']))).toEqual([
      's1-1',
      's2-2',
      's1-3',
      's1-4',
      's1-5',
    ]);
    expect(ids(await deliveries.due(T0, 100, ['s2']))).toEqual(['s2-2']);
    expect(await deliveries.due(T0, 100, [])).toEqual([]);
    expect(await deliveries.due(T0 - 1, 100, ['s1'])).toEqual([]);

    // Leased: exactly one of concurrent leases wins, and the leased one is not due for others.
    const leases = await Promise.all([1, 2, 3].map(() => deliveries.lease('s1-1', T0, T0 + 60_000)));
    expect(leases.filter(Boolean)).toHaveLength(1);
    expect(ids(await deliveries.due(T0, 100, ['s1']))).toEqual(['s1-3', 's1-4', 's1-5']);
    expect(await deliveries.lease('s1-1', T0 + 60_000, T0 + 120_000)).toBe(true);

    // A failed head keeps its call's next event back until it is settled for good.
    await deliveries.settle('s1-1', {
      state: 'pending',
      attempts: 1,
      nextAttemptMs: T0 + 10_000,
      lastAttemptMs: T0,
      lastStatus: 500,
      lastResponse: 'nope',
      durationMs: 12,
    });
    expect(ids(await deliveries.due(T0, 100, ['s1']))).toEqual(['s1-3', 's1-4', 's1-5']);
    expect(await deliveries.nextDue(['s1'])).toBe(T0);
    await deliveries.settle('s1-1', {
      state: 'delivered',
      attempts: 2,
      nextAttemptMs: T0 + 10_000,
      lastAttemptMs: T0 + 10_000,
      lastStatus: 204,
      durationMs: 8,
      deliveredAtMs: T0 + 10_000,
    });
    expect(ids(await deliveries.due(T0 + 10_000, 100, ['s1']))).toEqual(['s1-2', 's1-3', 's1-4', 's1-5']);
    expect(await deliveries.get('s1-1')).toMatchObject({
      state: 'delivered',
      attempts: 2,
      lastStatus: 204,
      durationMs: 8,
      deliveredAtMs: T0 + 10_000,
    });
  });

  it('holds a delivery back until its first attempt falls due', async () => {
    const store = current();
    const events = [event(1, 'a'), event(2, 'b')];
    await store.commit({
      calls: [],
      events,
      deliveries: events.map((e) => ({ ...entry('s1', e), firstAttemptMs: T0 + 1_000 })),
    });
    const deliveries = store.webhookDeliveries;
    expect(await deliveries.due(T0, 100, ['s1'])).toEqual([]);
    expect(await deliveries.nextDue(['s1'])).toBe(T0 + 1_000);
    const due = await deliveries.due(T0 + 1_000, 100, ['s1']);
    expect(ids(due)).toEqual(['s1-1', 's1-2']);
    expect(due[0]).toMatchObject({ createdAtMs: T0, windowStartMs: T0, nextAttemptMs: T0 + 1_000 });
  });

  it('dead-letters, redelivers, lists, counts and purges', async () => {
    const store = current();
    const events = [event(1, 'a'), event(2, 'a'), event(3, 'b')];
    await store.commit({ calls: [], events, deliveries: events.map((e) => entry('s1', e)) });
    const deliveries = store.webhookDeliveries;
    const failed = { attempts: 5, lastAttemptMs: T0, lastStatus: 503, durationMs: 30 };
    await deliveries.settle('s1-1', { ...failed, state: 'dead', nextAttemptMs: T0 });
    await deliveries.settle('s1-3', {
      state: 'delivered',
      attempts: 1,
      nextAttemptMs: T0,
      lastAttemptMs: T0,
      lastStatus: 200,
      durationMs: 10,
      deliveredAtMs: T0,
    });
    // The dead head no longer holds its call back.
    expect(ids(await deliveries.due(T0, 100, ['s1']))).toEqual(['s1-2']);
    expect(ids(await deliveries.list('s1', { state: 'dead', limit: 10 }))).toEqual(['s1-1']);
    expect(ids(await deliveries.list('s1', { limit: 10 }))).toEqual(['s1-3', 's1-2', 's1-1']);
    expect(ids(await deliveries.list('s1', { beforeSeq: 3, limit: 1 }))).toEqual(['s1-2']);
    expect(await deliveries.figures('s1')).toEqual({
      pending: 1,
      delivered: 1,
      dead: 1,
      attempts: 6,
      meanDurationMs: 10,
      lastDeliveredAtMs: T0,
    });

    expect(await deliveries.redeliver('s1', T0 + 5_000)).toBe(1);
    expect(await deliveries.get('s1-1')).toMatchObject({ state: 'pending', windowStartMs: T0 + 5_000 });
    expect(ids(await deliveries.due(T0 + 5_000, 100, ['s1']))).toEqual(['s1-1']);
    expect(await deliveries.redeliver('s1', T0, ['s1-3', 's1-2', 'unknown'])).toBe(1);

    expect(await deliveries.purge(T0 + 1)).toBe(0);
    await deliveries.settle('s1-3', {
      state: 'delivered',
      attempts: 2,
      nextAttemptMs: T0,
      lastAttemptMs: T0,
      durationMs: 10,
      deliveredAtMs: T0,
    });
    expect(await deliveries.purge(T0 + 1)).toBe(1);
    expect(await deliveries.deleteFor('s1')).toBe(2);
    expect(await deliveries.nextDue(['s1'])).toBeUndefined();
  });
});

describe('webhook outbox: in-memory SQLite', () => {
  it('writes deliveries in the commit of their events on the in-process path too', async () => {
    const store = await openStore({ kind: 'sqlite', file: ':memory:' });
    try {
      const events = [event(1, 'a'), event(2, 'a')];
      await store.commit({ calls: [], events, deliveries: events.map((e) => entry('s1', e)) });
      expect(ids(await store.webhookDeliveries.due(T0, 100, ['s1']))).toEqual(['s1-1']);
      await expect(
        store.commit({ calls: [], events: [event(2)], deliveries: [entry('s2', event(2))] }),
      ).rejects.toThrow();
      expect(await store.webhookDeliveries.due(T0, 100, ['s2'])).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
