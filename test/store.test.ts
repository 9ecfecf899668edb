import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentProfile } from '../src/core/agent.ts';
import type { CallSnapshot, CallStatus } from '../src/core/call.ts';
import type { DomainEvent } from '../src/core/events.ts';
import type { QueueConfig } from '../src/core/queue.ts';
import type { InboundRoute } from '../src/core/routing.ts';
import { closeSnapshot } from '../src/store/close-snapshot.ts';
import { openStore } from '../src/store/open-store.ts';
import type { AgentStateEntry, Store, StoreConfig, StoredRecording } from '../src/store/types.ts';
import { at, makeCall, T0 } from './support/call-fixtures.ts';
import { describeOn, storeBackends } from './support/store-backends.ts';

/**
 * One contract suite, run against every backend. Each test gets a store of its own (a new SQLite file,
 * or a new PostgreSQL schema) so that lists never see another test's rows and files run in parallel.
 */

// --- fixtures -------------------------------------------------------------------------------------

function makeEvent(seq: number, call?: CallSnapshot): DomainEvent {
  const timestamp = at(seq / 1000);
  if (call === undefined) {
    return { id: `evt-${seq}`, seq, type: 'driver.connected', timestamp, data: { driver: 'sim' } };
  }
  return { id: `evt-${seq}`, seq, type: 'call.ringing', timestamp, callId: call.id, data: { call } };
}

/** Events `from`..`to` inclusive; every fifth carries no call, as driver events do. */
const events = (from: number, to: number): DomainEvent[] =>
  Array.from({ length: to - from + 1 }, (_, i) => {
    const seq = from + i;
    return seq % 5 === 0 ? makeEvent(seq) : makeEvent(seq, makeCall(`c${seq}`));
  });

function makeAgent(id: string, overrides: Partial<AgentProfile> = {}): AgentProfile {
  return {
    id,
    name: `Agent ${id}`,
    endpoint: 'PJSIP/1001',
    skills: { german: 7, dispatch: 10 },
    teams: ['north', 'night'],
    roles: ['dispatcher', 'supervisor'],
    ...overrides,
  };
}

/** A queue using every optional field, so a round trip proves that nothing is lost. */
function makeQueue(id: string, overrides: Partial<QueueConfig> = {}): QueueConfig {
  return {
    id,
    name: `Queue ${id}`,
    strategy: 'skills',
    members: ['dispatcher-001', 'dispatcher-002'],
    requiredSkills: { german: 5 },
    offerTimeoutMs: 15_000,
    wrapUpMs: 5000,
    maxWaitMs: 120_000,
    overflow: { kind: 'queue', queueId: 'backup' },
    whenNoAgents: 'overflow',
    businessHours: {
      timeZone: 'Europe/Berlin',
      weekly: { mon: ['08:00-12:00', '13:00-18:00'], sat: ['22:00-06:00'] },
      holidays: ['2026-12-25', '2026-12-26'],
    },
    closedAction: { kind: 'hangup', reason: 'busy' },
    serviceLevelMs: 20_000,
    agingMs: 120_000,
    ...overrides,
  };
}

function makeRoute(id: string, overrides: Partial<InboundRoute> = {}): InboundRoute {
  return {
    id,
    dialled: '+4930123*',
    caller: '+49171*',
    window: { timeZone: 'Europe/Berlin', weekly: { mon: ['00:00-24:00'] } },
    order: 100,
    destination: { kind: 'queue', queueId: 'support', priority: 'high' },
    ...overrides,
  };
}

function stateEntry(
  agentId: string,
  offsetSec: number,
  extra: Partial<AgentStateEntry> = {},
): AgentStateEntry {
  return { agentId, state: 'available', at: at(offsetSec), ...extra };
}

/** Reads every page of a listing, so tests can check what pagination yields as a whole. */
async function listAll(
  store: Store,
  limit: number,
  filter: Omit<Parameters<Store['calls']['list']>[0], 'limit' | 'cursor'> = {},
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await store.calls.list({ ...filter, limit, ...(cursor === undefined ? {} : { cursor }) });
    pages += 1;
    ids.push(...page.items.map((c) => c.id));
    cursor = page.nextCursor;
    expect(pages).toBeLessThan(1000);
  } while (cursor !== undefined);
  return { ids, pages };
}

/** The order list() promises: newest startedAt first, ties by id descending. */
const newestFirst = (calls: readonly CallSnapshot[]): string[] =>
  [...calls]
    .sort(
      (a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
    )
    .map((c) => c.id);

// --- the suite ------------------------------------------------------------------------------------

for (const backend of await storeBackends()) {
  describeOn(backend, `store: ${backend.name}`, () => {
    let config: StoreConfig;
    let dispose: () => Promise<void>;
    let store: Store;
    const opened: Store[] = [];

    const open = async (): Promise<Store> => {
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

    it('reports its kind', () => {
      expect(store.kind).toBe(backend.name);
    });

    describe('call records', () => {
      it('reads back a saved call deep-equal', async () => {
        const call = makeCall('call-1', { transferTo: '+15550003333', heldAt: at(5) });
        await store.calls.save(call);
        expect(await store.calls.get('call-1')).toStrictEqual(call);
      });

      it('returns undefined for an unknown id', async () => {
        expect(await store.calls.get('nope')).toBeUndefined();
      });

      it('replaces a record saved again under the same id', async () => {
        await store.calls.save(makeCall('call-1', { status: 'ringing', answeredAt: undefined }));
        const ended = makeCall('call-1', {
          status: 'ended',
          from: '+15559990000',
          endedAt: at(42),
          duration: 42,
          endReason: 'normal',
        });
        await store.calls.save(ended);

        expect(await store.calls.get('call-1')).toStrictEqual(ended);
        const page = await store.calls.list({ limit: 10 });
        expect(page.items).toStrictEqual([ended]);
        // Filter columns follow the new snapshot, not the first one.
        expect((await store.calls.list({ limit: 10, status: ['ringing'] })).items).toEqual([]);
        expect((await store.calls.list({ limit: 10, number: '+15559990000' })).items).toHaveLength(1);
        expect((await store.calls.list({ limit: 10, number: '+15550001111' })).items).toHaveLength(0);
      });

      it('keeps records and events across close and reopen', async () => {
        const calls = [makeCall('a', { startedAt: at(1) }), makeCall('b', { startedAt: at(2) })];
        for (const call of calls) await store.calls.save(call);
        const logged = events(1, 20);
        await store.events.append(logged);
        await store.close();

        const reopened = await open();
        expect(await reopened.calls.get('a')).toStrictEqual(calls[0]);
        expect((await reopened.calls.list({ limit: 10 })).items).toStrictEqual([calls[1], calls[0]]);
        expect(await reopened.events.lastSeq()).toBe(20);
        expect(await reopened.events.after(0, 100)).toStrictEqual(logged);
      });

      it('lists newest first, ties broken by id descending', async () => {
        const calls = [
          makeCall('m', { startedAt: at(10) }),
          makeCall('a', { startedAt: at(30) }),
          makeCall('z', { startedAt: at(10) }),
          makeCall('b', { startedAt: at(10) }),
          makeCall('y', { startedAt: at(-5) }),
        ];
        for (const call of calls) await store.calls.save(call);
        const page = await store.calls.list({ limit: 10 });
        expect(page.items.map((c) => c.id)).toEqual(['a', 'z', 'm', 'b', 'y']);
        expect(page.nextCursor).toBeUndefined();
      });

      it('filters by status, by number on either side, and by start time', async () => {
        const specs: Array<[string, CallStatus, string, string, number]> = [
          ['c1', 'ringing', '+15550000001', '+15550000009', 0],
          ['c2', 'answered', '+15550000009', '+15550000002', 10],
          ['c3', 'ended', '+15550000003', '+15550000004', 20],
          ['c4', 'failed', '+15550000005', '+15550000009', 30],
          ['c5', 'on_hold', '+155500000091', '+15550000006', 40],
        ];
        for (const [id, status, from, to, t] of specs) {
          await store.calls.save(makeCall(id, { status, from, to, startedAt: at(t) }));
        }
        const ids = async (filter: Omit<Parameters<Store['calls']['list']>[0], 'limit'>) =>
          (await store.calls.list({ ...filter, limit: 50 })).items.map((c) => c.id);

        expect(await ids({ status: ['ended', 'failed'] })).toEqual(['c4', 'c3']);
        expect(await ids({ status: ['on_hold'] })).toEqual(['c5']);
        expect(await ids({ status: [] })).toEqual([]);
        // Exact match only: c5's from has the number as a prefix and must not match.
        expect(await ids({ number: '+15550000009' })).toEqual(['c4', 'c2', 'c1']);
        expect(await ids({ number: '+1555' })).toEqual([]);
        // since is inclusive, until exclusive.
        expect(await ids({ since: at(10) })).toEqual(['c5', 'c4', 'c3', 'c2']);
        expect(await ids({ until: at(30) })).toEqual(['c3', 'c2', 'c1']);
        expect(await ids({ since: at(10), until: at(30) })).toEqual(['c3', 'c2']);
        // Instants compare as instants, whatever their offset notation.
        expect(await ids({ since: '2025-03-01T13:00:10+01:00' })).toEqual(['c5', 'c4', 'c3', 'c2']);
        expect(await ids({ number: '+15550000009', status: ['ringing', 'failed'], since: at(5) })).toEqual([
          'c4',
        ]);
      });

      it('pages through every record once, in order, with an opaque cursor', async () => {
        // Several calls share a start time, so pages must break ties by id to lose or repeat nothing.
        const calls = Array.from({ length: 53 }, (_, i) =>
          makeCall(`call-${String((i * 37) % 53).padStart(3, '0')}`, { startedAt: at(Math.floor(i / 4)) }),
        );
        for (const call of calls) await store.calls.save(call);

        const { ids, pages } = await listAll(store, 10);
        expect(pages).toBe(6);
        expect(new Set(ids).size).toBe(53);
        expect(ids).toEqual(newestFirst(calls));

        const first = await store.calls.list({ limit: 10 });
        expect(first.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
      });

      it('pages through a filtered listing', async () => {
        const calls = Array.from({ length: 30 }, (_, i) =>
          makeCall(`f${String(i).padStart(2, '0')}`, {
            status: i % 3 === 0 ? 'ended' : 'answered',
            startedAt: at(i % 7),
          }),
        );
        for (const call of calls) await store.calls.save(call);
        const { ids } = await listAll(store, 4, { status: ['ended'] });
        expect(ids).toEqual(newestFirst(calls.filter((c) => c.status === 'ended')));
      });

      it('keeps a cursor valid while records are added', async () => {
        const calls = Array.from({ length: 6 }, (_, i) => makeCall(`k${i}`, { startedAt: at(i * 10) }));
        for (const call of calls) await store.calls.save(call);
        const first = await store.calls.list({ limit: 3 });
        expect(first.items.map((c) => c.id)).toEqual(['k5', 'k4', 'k3']);

        // A newer call belongs before the cursor, an older one after it.
        await store.calls.save(makeCall('newer', { startedAt: at(100) }));
        await store.calls.save(makeCall('older', { startedAt: at(-100) }));
        const second = await store.calls.list({ limit: 3, cursor: first.nextCursor });
        expect(second.items.map((c) => c.id)).toEqual(['k2', 'k1', 'k0']);
        const third = await store.calls.list({ limit: 3, cursor: second.nextCursor });
        expect(third.items.map((c) => c.id)).toEqual(['older']);
        expect(third.nextCursor).toBeUndefined();
      });

      it('honours limit and offers a cursor only when more follow', async () => {
        for (let i = 0; i < 5; i++) await store.calls.save(makeCall(`l${i}`, { startedAt: at(i) }));

        const three = await store.calls.list({ limit: 3 });
        expect(three.items).toHaveLength(3);
        expect(three.nextCursor).toBeDefined();

        const exact = await store.calls.list({ limit: 5 });
        expect(exact.items).toHaveLength(5);
        expect(exact.nextCursor).toBeUndefined();

        const one = await store.calls.list({ limit: 1 });
        expect(one.items.map((c) => c.id)).toEqual(['l4']);

        expect((await store.calls.list({ limit: 500 })).items).toHaveLength(5);
      });

      it('rejects a limit outside 1..500 and a cursor it did not issue', async () => {
        await expect(store.calls.list({ limit: 0 })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
        await expect(store.calls.list({ limit: 501 })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
        await expect(store.calls.list({ limit: 2.5 })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
        await expect(store.calls.list({ limit: 10, cursor: 'not-a-cursor' })).rejects.toMatchObject({
          code: 'VALIDATION_ERROR',
        });
        await expect(store.calls.list({ limit: 10, since: 'yesterday' })).rejects.toMatchObject({
          code: 'VALIDATION_ERROR',
        });
      });
    });

    describe('event log', () => {
      it('starts empty', async () => {
        expect(await store.events.lastSeq()).toBe(0);
        expect(await store.events.after(0, 10)).toEqual([]);
        await store.events.append([]);
        expect(await store.events.lastSeq()).toBe(0);
      });

      it('returns events after a seq, in seq order, as appended, up to the limit', async () => {
        const batch = events(1, 30);
        await store.events.append(batch.slice(0, 10));
        // Appended out of order within a batch, still read back in seq order.
        await store.events.append([...batch.slice(10)].reverse());

        expect(await store.events.lastSeq()).toBe(30);
        expect(await store.events.after(0, 100)).toStrictEqual(batch);
        expect(await store.events.after(0, 5)).toStrictEqual(batch.slice(0, 5));
        expect(await store.events.after(12, 3)).toStrictEqual(batch.slice(12, 15));
        expect(await store.events.after(28, 10)).toStrictEqual(batch.slice(28));
        expect(await store.events.after(30, 10)).toEqual([]);
      });

      it('keeps gaps in seq as they are', async () => {
        const sparse = [makeEvent(3), makeEvent(70, makeCall('x')), makeEvent(2 ** 40, makeCall('y'))];
        await store.events.append(sparse);
        expect(await store.events.lastSeq()).toBe(2 ** 40);
        expect(await store.events.after(3, 10)).toStrictEqual(sparse.slice(1));
      });

      it('rejects a seq that exists already and keeps the log unchanged', async () => {
        await store.events.append(events(1, 5));
        await expect(store.events.append([makeEvent(3, makeCall('dup'))])).rejects.toThrow();
        // The whole batch fails, including its new events, whether small or chunked.
        const small = [...events(6, 8), { ...makeEvent(4), id: 'evt-other' }];
        await expect(store.events.append(small)).rejects.toThrow();
        const large = [...events(6, 2999), { ...makeEvent(2), id: 'evt-late' }];
        await expect(store.events.append(large)).rejects.toThrow();

        expect(await store.events.lastSeq()).toBe(5);
        expect(await store.events.after(0, 100)).toStrictEqual(events(1, 5));
      });

      it('appends 5000 events in one call', async () => {
        const batch = events(1, 5000);
        await store.events.append(batch);
        expect(await store.events.lastSeq()).toBe(5000);
        const back = await store.events.after(0, 10_000);
        expect(back).toHaveLength(5000);
        expect(back).toStrictEqual(batch);
        expect(await store.events.after(4990, 100)).toStrictEqual(batch.slice(4990));
      });
    });

    describe('configuration documents', () => {
      it('reads back agents, queues and routes deep-equal', async () => {
        const agent = makeAgent('dispatcher-001');
        const queue = makeQueue('emergency');
        const route = makeRoute('r-1');
        await store.agents.save(agent);
        await store.queues.save(queue);
        await store.routes.save(route);

        expect(await store.agents.get('dispatcher-001')).toStrictEqual(agent);
        expect(await store.queues.get('emergency')).toStrictEqual(queue);
        expect(await store.routes.get('r-1')).toStrictEqual(route);
        // Each kind lives apart: an id in one is unknown in the others.
        expect(await store.queues.get('dispatcher-001')).toBeUndefined();
        expect(await store.agents.get('nope')).toBeUndefined();
      });

      it('replaces a document saved again under the same id', async () => {
        await store.queues.save(makeQueue('q'));
        const minimal = makeQueue('q', { name: 'Renamed', strategy: 'ring_all' });
        const { maxWaitMs, overflow, businessHours, closedAction, ...rest } = minimal;
        const replaced: QueueConfig = { ...rest, whenNoAgents: 'wait' };
        await store.queues.save(replaced);

        // Fields absent from the new document are gone, not merged from the old one.
        expect(await store.queues.get('q')).toStrictEqual(replaced);
        expect(await store.queues.list()).toStrictEqual([replaced]);
      });

      it('lists by id in byte order', async () => {
        for (const id of ['b', 'dispatcher-010', 'B', 'a', 'dispatcher-002', 'a.1', 'a-1', '_z']) {
          await store.agents.save(makeAgent(id));
        }
        expect((await store.agents.list()).map((a) => a.id)).toEqual([
          'B',
          '_z',
          'a',
          'a-1',
          'a.1',
          'b',
          'dispatcher-002',
          'dispatcher-010',
        ]);
        expect(await store.routes.list()).toEqual([]);
      });

      it('deletes by id and says whether anything was deleted', async () => {
        await store.routes.save(makeRoute('r-1'));
        await store.routes.save(makeRoute('r-2', { dialled: '*', caller: undefined, window: undefined }));
        expect(await store.routes.delete('r-1')).toBe(true);
        expect(await store.routes.delete('r-1')).toBe(false);
        expect(await store.routes.delete('never')).toBe(false);
        expect(await store.routes.get('r-1')).toBeUndefined();
        expect((await store.routes.list()).map((r) => r.id)).toEqual(['r-2']);
        // A deleted id may be used again.
        await store.routes.save(makeRoute('r-1', { order: 5 }));
        expect((await store.routes.get('r-1'))?.order).toBe(5);
      });
    });

    describe('agent state log', () => {
      it('reads entries back as appended, in time order', async () => {
        const entries: AgentStateEntry[] = [
          stateEntry('dispatcher-001', 10, { state: 'reserved', callId: 'call-1' }),
          stateEntry('dispatcher-001', 0),
          stateEntry('dispatcher-002', 5, { state: 'away', reason: 'lunch' }),
          stateEntry('dispatcher-001', 20, { state: 'on_call', callId: 'call-1' }),
        ];
        await store.agentStates.append(entries);
        await store.agentStates.append([]);

        expect(await store.agentStates.list({ limit: 100 })).toStrictEqual([
          entries[1],
          entries[2],
          entries[0],
          entries[3],
        ]);
      });

      it('keeps the order of appending for entries of the same instant', async () => {
        const same = [
          stateEntry('a', 0, { state: 'reserved', callId: 'c' }),
          stateEntry('a', 0, { state: 'available' }),
          stateEntry('a', 0, { state: 'away', reason: 'no_answer' }),
        ];
        await store.agentStates.append(same.slice(0, 2));
        await store.agentStates.append(same.slice(2));
        expect(await store.agentStates.list({ agentId: 'a', limit: 10 })).toStrictEqual(same);
      });

      it('filters by agent and by time, and honours the limit', async () => {
        const entries = Array.from({ length: 30 }, (_, i) =>
          stateEntry(i % 3 === 0 ? 'x' : 'y', i, { state: i % 2 === 0 ? 'available' : 'on_call' }),
        );
        await store.agentStates.append([...entries].reverse());
        const secs = async (filter: Parameters<Store['agentStates']['list']>[0]) =>
          (await store.agentStates.list(filter)).map((e) => `${e.agentId}${(Date.parse(e.at) - T0) / 1000}`);

        expect(await secs({ agentId: 'x', limit: 100 })).toEqual([
          'x0',
          'x3',
          'x6',
          'x9',
          'x12',
          'x15',
          'x18',
          'x21',
          'x24',
          'x27',
        ]);
        // since is inclusive, until exclusive; the limit keeps the earliest.
        expect(await secs({ agentId: 'x', since: at(6), until: at(21), limit: 100 })).toEqual([
          'x6',
          'x9',
          'x12',
          'x15',
          'x18',
        ]);
        expect(await secs({ since: at(25), limit: 3 })).toEqual(['y25', 'y26', 'x27']);
        expect(await secs({ agentId: 'x', limit: 2 })).toEqual(['x0', 'x3']);
        expect(await secs({ agentId: 'nobody', limit: 10 })).toEqual([]);
        // Instants compare as instants, whatever their offset notation.
        expect(await secs({ agentId: 'y', until: '2025-03-01T13:00:03+01:00', limit: 10 })).toEqual([
          'y1',
          'y2',
        ]);
      });

      it('rejects a bad limit or instant and writes nothing of a bad batch', async () => {
        await expect(store.agentStates.list({ limit: 0 })).rejects.toMatchObject({
          code: 'VALIDATION_ERROR',
        });
        await expect(store.agentStates.list({ limit: 10_001 })).rejects.toMatchObject({
          code: 'VALIDATION_ERROR',
        });
        await expect(store.agentStates.list({ limit: 5, since: 'yesterday' })).rejects.toMatchObject({
          code: 'VALIDATION_ERROR',
        });
        await expect(
          store.agentStates.append([stateEntry('a', 0), { ...stateEntry('a', 1), at: 'later' }]),
        ).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
        expect(await store.agentStates.list({ limit: 10 })).toEqual([]);
      });

      it('appends 2500 entries in one call', async () => {
        const many = Array.from({ length: 2500 }, (_, i) => stateEntry(`agent-${i % 7}`, i / 10));
        await store.agentStates.append(many);
        expect(await store.agentStates.list({ limit: 10_000 })).toStrictEqual(many);
      });
    });

    describe('combined commit', () => {
      it('writes records and events together, the last snapshot of a call winning', async () => {
        const ringing = makeCall('c-1', { status: 'ringing' });
        const answered = makeCall('c-1', { status: 'answered', answeredAt: at(3) });
        await store.commit({
          calls: [ringing, answered],
          events: [makeEvent(1, ringing), makeEvent(2, answered)],
        });
        expect(await store.calls.get('c-1')).toStrictEqual(answered);
        expect((await store.events.after(0, 10)).map((e) => e.seq)).toEqual([1, 2]);
      });

      it('commits thousands of calls at once (more than one statement can bind)', async () => {
        const calls = Array.from({ length: 5000 }, (_, i) => makeCall(`bulk-${String(i).padStart(4, '0')}`));
        const events = calls.map((call, i) => makeEvent(i + 1, call));
        await store.commit({ calls, events });
        expect(await store.calls.get('bulk-4999')).toStrictEqual(calls[4999]);
        expect(await store.events.lastSeq()).toBe(5000);
      });

      it('writes nothing of a batch whose event seq exists already', async () => {
        await store.events.append([makeEvent(5)]);
        const call = makeCall('c-2');
        await expect(store.commit({ calls: [call], events: [makeEvent(5, call)] })).rejects.toThrow();
        expect(await store.calls.get('c-2')).toBeUndefined();
        expect(await store.events.lastSeq()).toBe(5);
      });

      it('refuses only the batch that cannot be written when several arrive together', async () => {
        await store.events.append([makeEvent(5)]);
        const [a, b, c] = ['c-a', 'c-b', 'c-c'].map((id) => makeCall(id));
        // Sent in one turn: the embedded store's writer thread takes them (and the audit entry) in one
        // transaction, and must then write the good ones without the bad one.
        const outcomes = await Promise.allSettled([
          store.commit({ calls: [a!], events: [makeEvent(6, a)] }),
          store.commit({ calls: [b!], events: [makeEvent(5, b)] }),
          store.audit.appendMany([{ topic: 'cti', action: 'POST /api/cti/call', at: at(1), detail: {} }]),
          store.commit({ calls: [c!], events: [makeEvent(7, c)] }),
        ]);
        expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
        expect(await store.calls.get('c-a')).toStrictEqual(a);
        expect(await store.calls.get('c-b')).toBeUndefined();
        expect(await store.calls.get('c-c')).toStrictEqual(c);
        expect((await store.events.after(0, 10)).map((e) => e.seq)).toEqual([5, 6, 7]);
        expect((await store.audit.list('cti', 10)).map((e) => e.action)).toEqual(['POST /api/cti/call']);
      });
    });

    describe('emergencies and the audit trail', () => {
      it('keeps emergencies as documents and the audit trail in order, per topic', async () => {
        const emergency = {
          id: 'e-1',
          callId: 'call-9',
          driverId: 'D-17',
          driverPhone: '+12125550177',
          location: { lat: 41.8781, lng: -87.6298 },
          raisedAt: at(1),
          status: 'raised' as const,
        };
        await store.emergencies.save(emergency);
        expect(await store.emergencies.get('e-1')).toStrictEqual(emergency);
        const entries = [
          { topic: 'emergency:e-1', action: 'raised', at: at(1), detail: { driverId: 'D-17' } },
          { topic: 'emergency:e-2', action: 'raised', at: at(2), detail: {} },
          { topic: 'emergency:e-1', action: 'offered', at: at(1), detail: { agentId: 'bob' } },
          {
            topic: 'emergency:e-1',
            action: 'answered',
            at: at(3),
            detail: { agentId: 'bob', nested: { ok: true } },
          },
        ];
        for (const entry of entries) await store.audit.append(entry);
        expect(await store.audit.list('emergency:e-1', 100)).toStrictEqual([
          entries[0],
          entries[2],
          entries[3],
        ]);
        expect(await store.audit.list('emergency:e-1', 1)).toStrictEqual([entries[0]]);
        expect(await store.audit.list('emergency:none', 100)).toStrictEqual([]);
      });
    });

    describe('IVR flows', () => {
      const definition = (text: string) => ({
        id: 'checkin',
        start: 'a',
        nodes: { a: { kind: 'say', text, next: 'b' }, b: { kind: 'hangup' } },
      });
      const add = (id: string, text: string, minute = 0) =>
        store.flows.add({ id, definition: { ...definition(text), id }, createdAt: at(minute) });

      it('numbers versions per flow from 1 and reads each back as stored', async () => {
        expect(await add('checkin', 'one', 1)).toStrictEqual({
          id: 'checkin',
          version: 1,
          definition: definition('one'),
          createdAt: at(1),
        });
        expect((await add('checkin', 'two', 2)).version).toBe(2);
        expect((await add('menu', 'm', 3)).version).toBe(1);
        expect(await store.flows.get('checkin')).toStrictEqual({
          id: 'checkin',
          version: 2,
          definition: definition('two'),
          createdAt: at(2),
        });
        expect((await store.flows.get('checkin', 1))?.definition).toStrictEqual(definition('one'));
        expect(await store.flows.get('checkin', 3)).toBeUndefined();
        expect(await store.flows.get('nope')).toBeUndefined();
      });

      it('lists the latest version of each flow by id, and every version of one, oldest first', async () => {
        await add('menu', 'm1');
        await add('checkin', 'c1');
        await add('menu', 'm2');
        await add('Zeta', 'z1');
        expect((await store.flows.list()).map((f) => [f.id, f.version])).toStrictEqual([
          ['Zeta', 1],
          ['checkin', 1],
          ['menu', 2],
        ]);
        expect(await store.flows.versions('menu')).toStrictEqual([
          { id: 'menu', version: 1, createdAt: at(0) },
          { id: 'menu', version: 2, createdAt: at(0) },
        ]);
        expect(await store.flows.versions('nope')).toStrictEqual([]);
      });

      it('gives concurrent uploads of one flow distinct versions', async () => {
        const added = await Promise.all(Array.from({ length: 8 }, (_, i) => add('checkin', `v${i}`)));
        expect(added.map((f) => f.version).sort((a, b) => a - b)).toStrictEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        expect((await store.flows.versions('checkin')).length).toBe(8);
      });

      it('keeps every version across close and reopen', async () => {
        await add('checkin', 'one');
        await add('checkin', 'two');
        await store.close();
        const reopened = await open();
        expect((await reopened.flows.get('checkin', 1))?.definition).toStrictEqual(definition('one'));
        expect((await reopened.flows.get('checkin'))?.version).toBe(2);
      });
    });

    describe('recordings', () => {
      const at = (ms: number) => new Date(T0 + ms).toISOString();
      const recording = (id: string, overrides: Partial<StoredRecording> = {}): StoredRecording => ({
        id,
        callId: 'call-1',
        state: 'stopped',
        reason: 'on_demand',
        startedAt: at(0),
        endedAt: at(5_000),
        durationMs: 5_000,
        ...overrides,
      });
      const file = {
        path: '/data/recordings/r.wav',
        size: 80_044,
        contentType: 'audio/wav',
        storedAt: at(6_000),
      };

      it('reads a recording back deep-equal, and replaces it when saved again', async () => {
        const live = recording('r1', { state: 'recording', durationMs: 0 });
        delete (live as { endedAt?: string }).endedAt;
        await store.recordings.save(live);
        expect(await store.recordings.get('r1')).toStrictEqual(live);
        const stored = recording('r1', { file, reason: 'emergency' });
        await store.recordings.save(stored);
        expect(await store.recordings.get('r1')).toStrictEqual(stored);
        const deleted = { ...stored, deletedAt: at(90_000) };
        await store.recordings.save(deleted);
        expect(await store.recordings.get('r1')).toStrictEqual(deleted);
        expect(await store.recordings.get('nope')).toBeUndefined();
      });

      it("lists a call's recordings oldest first, and only its own", async () => {
        await store.recordings.save(recording('b', { startedAt: at(1_000) }));
        await store.recordings.save(recording('c', { startedAt: at(0) }));
        await store.recordings.save(recording('a', { startedAt: at(1_000) }));
        await store.recordings.save(recording('x', { callId: 'call-2' }));
        expect((await store.recordings.listByCall('call-1')).map((r) => r.id)).toEqual(['c', 'a', 'b']);
        expect(await store.recordings.listByCall('call-3')).toEqual([]);
      });

      it('finds the stopped recordings that ended before an instant and are not deleted yet, oldest first', async () => {
        await store.recordings.save(recording('old', { endedAt: at(1_000), file }));
        await store.recordings.save(recording('older', { endedAt: at(500) }));
        await store.recordings.save(recording('young', { endedAt: at(9_000) }));
        await store.recordings.save(recording('gone', { endedAt: at(100), deletedAt: at(2_000) }));
        const running = recording('running', { state: 'paused' });
        delete (running as { endedAt?: string }).endedAt;
        await store.recordings.save(running);
        expect((await store.recordings.expired(at(5_000), 10)).map((r) => r.id)).toEqual(['older', 'old']);
        expect((await store.recordings.expired(at(5_000), 1)).map((r) => r.id)).toEqual(['older']);
        await expect(store.recordings.expired(at(5_000), 0)).rejects.toMatchObject({
          code: 'VALIDATION_ERROR',
        });
        // Without a file and not deleted: what a process starting up takes over.
        expect((await store.recordings.unstored()).map((r) => r.id)).toEqual(['older', 'running', 'young']);
      });
    });

    describe('idempotency keys', () => {
      const HOUR = 3_600_000;
      const claim = (s: Store, key: string, owner: string, now: number, fingerprint = 'f1') =>
        s.idempotency.claim({
          scope: 'tenant-a',
          key,
          fingerprint,
          owner,
          now,
          expiredBefore: now - 24 * HOUR,
          abandonedBefore: now - 60_000,
        });
      const answer = { status: 201, body: '{"success":true,"data":{"id":"c1"}}' };

      it('gives a key to one claimant, then reports it running, then done with its answer', async () => {
        expect(await claim(store, 'k1', 'o1', T0)).toStrictEqual({ kind: 'claimed' });
        expect(await claim(store, 'k1', 'o2', T0 + 1, 'f2')).toStrictEqual({
          kind: 'running',
          fingerprint: 'f1',
        });
        await store.idempotency.complete('tenant-a', 'k1', 'o1', answer);
        expect(await claim(store, 'k1', 'o3', T0 + 2)).toStrictEqual({
          kind: 'done',
          fingerprint: 'f1',
          answer,
        });
        // Scopes do not share keys.
        expect(
          await store.idempotency.claim({
            scope: 'tenant-b',
            key: 'k1',
            fingerprint: 'f1',
            owner: 'o4',
            now: T0,
            expiredBefore: 0,
            abandonedBefore: 0,
          }),
        ).toStrictEqual({ kind: 'claimed' });
      });

      it('lets exactly one of many concurrent claims win', async () => {
        const claims = await Promise.all(
          Array.from({ length: 10 }, (_, i) => claim(store, 'k', `o${i}`, T0)),
        );
        expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
        expect(claims.filter((c) => c.kind === 'running')).toHaveLength(9);
      });

      it('frees a released key, and ignores complete and release by someone who does not hold it', async () => {
        await claim(store, 'k', 'o1', T0);
        await store.idempotency.complete('tenant-a', 'k', 'intruder', answer);
        await store.idempotency.release('tenant-a', 'k', 'intruder');
        expect((await claim(store, 'k', 'o2', T0)).kind).toBe('running');
        await store.idempotency.release('tenant-a', 'k', 'o1');
        expect(await claim(store, 'k', 'o2', T0)).toStrictEqual({ kind: 'claimed' });
      });

      it('takes over an expired answer and an abandoned claim, and purges by age', async () => {
        await claim(store, 'old', 'o1', T0);
        await store.idempotency.complete('tenant-a', 'old', 'o1', answer);
        await claim(store, 'stuck', 'o1', T0);
        expect((await claim(store, 'old', 'o2', T0 + 24 * HOUR - 1)).kind).toBe('done');
        expect((await claim(store, 'stuck', 'o2', T0 + 59_999)).kind).toBe('running');
        expect(await claim(store, 'old', 'o2', T0 + 24 * HOUR + 1, 'f2')).toStrictEqual({ kind: 'claimed' });
        expect(await claim(store, 'stuck', 'o2', T0 + 60_001)).toStrictEqual({ kind: 'claimed' });
        await claim(store, 'young', 'o1', T0 + 2 * HOUR);
        // Now: stuck taken over at T0+60,001 ms, young at T0+2 h, old at T0+24 h+1.
        expect(await store.idempotency.purge(T0 + 60_001)).toBe(0);
        expect(await store.idempotency.purge(T0 + HOUR)).toBe(1);
        expect(await claim(store, 'stuck', 'o3', T0 + HOUR)).toStrictEqual({ kind: 'claimed' });
        expect(await claim(store, 'young', 'o2', T0 + 2 * HOUR)).toMatchObject({ kind: 'running' });
      });

      it('keeps answers across close and reopen', async () => {
        await claim(store, 'k', 'o1', T0);
        await store.idempotency.complete('tenant-a', 'k', 'o1', answer);
        await store.close();
        const reopened = await open();
        expect(await claim(reopened, 'k', 'o2', T0 + HOUR)).toStrictEqual({
          kind: 'done',
          fingerprint: 'f1',
          answer,
        });
      });
    });

    it('keeps configuration and the state log across close and reopen', async () => {
      const agent = makeAgent('dispatcher-001');
      const queue = makeQueue('q1');
      const route = makeRoute('r-1');
      const entries = [
        stateEntry('dispatcher-001', 0),
        stateEntry('dispatcher-001', 1, { state: 'away', reason: 'break' }),
      ];
      await store.agents.save(agent);
      await store.queues.save(queue);
      await store.routes.save(route);
      await store.agentStates.append(entries);
      await store.close();

      const reopened = await open();
      expect(await reopened.agents.list()).toStrictEqual([agent]);
      expect(await reopened.queues.get('q1')).toStrictEqual(queue);
      expect(await reopened.routes.list()).toStrictEqual([route]);
      expect(await reopened.agentStates.list({ agentId: 'dispatcher-001', limit: 10 })).toStrictEqual(
        entries,
      );
    });

    it('rejects calls after close', async () => {
      await store.close();
      await expect(store.calls.get('x')).rejects.toMatchObject({ code: 'API_UNAVAILABLE' });
      await expect(store.calls.save(makeCall('x'))).rejects.toThrow();
      await expect(store.events.lastSeq()).rejects.toThrow();
      await expect(store.events.append(events(1, 1))).rejects.toThrow();
      await expect(store.agents.list()).rejects.toMatchObject({ code: 'API_UNAVAILABLE' });
      await expect(store.queues.save(makeQueue('q'))).rejects.toMatchObject({ code: 'API_UNAVAILABLE' });
      await expect(store.routes.delete('r')).rejects.toMatchObject({ code: 'API_UNAVAILABLE' });
      await expect(store.agentStates.append([stateEntry('a', 0)])).rejects.toMatchObject({
        code: 'API_UNAVAILABLE',
      });
    });
  });
}

/** How a record left live is closed (at start-up after a crash, the engine publishes it ended). */
describe('closing a live record', () => {
  it('ends every live leg and sets the end, keeping finished legs and timing the talk', () => {
    const endedAt = at(125.9);
    const ringing = makeCall('ringing', {
      status: 'ringing',
      answeredAt: undefined,
      duration: undefined,
      legs: [{ id: 'r-a', role: 'caller', address: '+15550001111', status: 'ringing', startedAt: at(0) }],
    });
    const answered = makeCall('answered', { status: 'answered', answeredAt: at(5) });
    const held = makeCall('held', {
      status: 'on_hold',
      answeredAt: at(0),
      heldAt: at(60),
      legs: [
        { id: 'h-a', role: 'agent', address: 'PJSIP/1001', status: 'answered', startedAt: at(0) },
        {
          id: 'h-b',
          role: 'callee',
          address: '+15550002222',
          status: 'ended',
          startedAt: at(0),
          endedAt: at(30),
          endReason: 'transferred',
        },
      ],
    });
    const queued = makeCall('queued', { status: 'queued', answeredAt: undefined, duration: undefined });
    const close = (call: CallSnapshot) => closeSnapshot(call, 'server_restart', endedAt);

    expect(close(ringing)).toStrictEqual({
      ...ringing,
      status: 'ended',
      endedAt,
      endReason: 'server_restart',
      legs: [{ ...ringing.legs[0], status: 'ended', endedAt, endReason: 'server_restart' }],
    });
    const closedAnswered = close(answered);
    expect(closedAnswered).toMatchObject({
      status: 'ended',
      endedAt,
      endReason: 'server_restart',
      duration: 120,
    });
    expect(closedAnswered.legs.every((l) => l.status === 'ended' && l.endedAt === endedAt)).toBe(true);
    const closedHeld = close(held);
    expect(closedHeld).toMatchObject({ status: 'ended', duration: 125 });
    // A leg that had ended keeps its own end.
    expect(closedHeld.legs[1]).toStrictEqual(held.legs[1]);
    expect(closedHeld.legs[0]).toMatchObject({ status: 'ended', endedAt, endReason: 'server_restart' });

    expect(close(queued)).toMatchObject({ status: 'ended', endReason: 'server_restart' });
  });

  it('fails a transfer still ringing and tears down the bridges, leaving settled ones as they were', () => {
    const transferring = makeCall('t', {
      status: 'transferring',
      legs: [
        {
          id: 't-b',
          role: 'callee',
          address: '+15550002222',
          status: 'answered',
          startedAt: at(0),
          answeredAt: at(0),
          bridge: { bridgeId: 't-bridge', role: 'normal' },
        },
        { id: 't-c', role: 'transfer_target', address: '+15550003333', status: 'ringing', startedAt: at(40) },
      ],
      transfers: [
        {
          id: 't-transfer-1',
          kind: 'blind',
          status: 'failed',
          to: '+1555',
          startedAt: at(10),
          endedAt: at(20),
          endReason: 'busy',
        },
        {
          id: 't-transfer-2',
          kind: 'blind',
          status: 'ringing',
          to: '+15550003333',
          targetLegId: 't-c',
          startedAt: at(40),
        },
      ],
      bridges: [{ id: 't-bridge', kind: 'main', createdAt: at(0), members: ['t-b'] }],
    });
    const closed = closeSnapshot(transferring, 'server_restart', at(50));
    expect(closed.transfers).toStrictEqual([
      transferring.transfers?.[0],
      { ...transferring.transfers?.[1], status: 'failed', endedAt: at(50), endReason: 'server_restart' },
    ]);
    expect(closed.bridges).toStrictEqual([
      { id: 't-bridge', kind: 'main', createdAt: at(0), destroyedAt: at(50), members: [] },
    ]);
    expect(closed.legs[0]?.bridge).toBeUndefined();
  });

  it('stops a recording still running or paused, with the duration last known, and leaves stopped ones', () => {
    const recorded = makeCall('rec', {
      status: 'answered',
      recordings: [
        {
          id: 'rec-recording-1',
          state: 'stopped',
          reason: 'on_demand',
          startedAt: at(0),
          endedAt: at(10),
          durationMs: 10_000,
        },
        {
          id: 'rec-recording-2',
          state: 'paused',
          reason: 'emergency',
          startedAt: at(20),
          pausedAt: at(30),
          durationMs: 10_000,
        },
      ],
    });
    expect(closeSnapshot(recorded, 'server_restart', at(50)).recordings).toStrictEqual([
      recorded.recordings?.[0],
      {
        id: 'rec-recording-2',
        state: 'stopped',
        reason: 'emergency',
        startedAt: at(20),
        endedAt: at(50),
        durationMs: 10_000,
      },
    ]);
  });

  it('still closes an old record written before calls listed bridges and transfers', () => {
    const old = makeCall('old', {
      status: 'transferring',
      transferTo: '+15550003333',
      transferInitiatedAt: at(5),
    });
    const closed = closeSnapshot(old, 'server_restart', at(50));
    expect(closed).toMatchObject({ status: 'ended', transferTo: '+15550003333', transferInitiatedAt: at(5) });
    expect('transfers' in closed || 'bridges' in closed || 'recordings' in closed).toBe(false);
  });

  it('makes an unanswered call failed when the reason is a failure', () => {
    const ringing = makeCall('r', { status: 'ringing', answeredAt: undefined, duration: undefined });
    const closedRinging = closeSnapshot(ringing, 'network_error', at(10));
    expect(closedRinging.status).toBe('failed');
    expect(closedRinging.duration).toBeUndefined();
    expect(closeSnapshot(makeCall('a', { status: 'answered' }), 'network_error', at(10)).status).toBe(
      'ended',
    );
  });
});
