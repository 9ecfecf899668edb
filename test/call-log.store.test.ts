import { afterEach, beforeEach, expect, it } from 'vitest';
import type { CallSnapshot } from '../src/core/call.ts';
import type { DomainEvent } from '../src/core/events.ts';
import { openStore } from '../src/store/open-store.ts';
import type { CallRecordFilter, Store, StoreConfig } from '../src/store/types.ts';
import { at, makeCall } from './support/call-fixtures.ts';
import { describeOn, storeBackends } from './support/store-backends.ts';

/** The call log's filters, imports and timelines: one suite on both backends. */

/** A small, varied log: each filter below selects a known subset. */
const LOG: CallSnapshot[] = [
  makeCall('c1', {
    direction: 'inbound',
    status: 'ended',
    endReason: 'normal',
    duration: 30,
    agentId: 'agent-a',
    queueId: 'support',
    from: '+15550000001',
    to: '+15559990000',
    startedAt: at(1),
  }),
  makeCall('c2', {
    direction: 'outbound',
    status: 'failed',
    endReason: 'busy',
    duration: undefined,
    answeredAt: undefined,
    agentId: 'agent-b',
    from: 'PJSIP/agent_1',
    to: '+15550000002',
    startedAt: at(2),
  }),
  makeCall('c3', {
    direction: 'inbound',
    status: 'ended',
    endReason: 'normal',
    duration: 300,
    agentId: 'agent-a',
    queueId: 'sales',
    from: '+15550000003',
    to: '+15559990000',
    startedAt: at(3),
    transfers: [{ id: 't1', kind: 'blind', status: 'completed', to: '+15557770000', startedAt: at(4) }],
  }),
  makeCall('c4', {
    direction: 'inbound',
    status: 'ended',
    endReason: 'no_answer',
    duration: undefined,
    answeredAt: undefined,
    from: '+15550000004',
    to: '+15559990000',
    startedAt: at(4),
    source: '3cx',
    externalId: 'hist-4',
  }),
];

for (const backend of await storeBackends()) {
  describeOn(backend, `call log store: ${backend.name}`, () => {
    let config: StoreConfig;
    let dispose: () => Promise<void>;
    let store: Store;
    const opened: Store[] = [];
    const open = async (owner: string): Promise<Store> => {
      const s = await openStore(config, { owner });
      opened.push(s);
      return s;
    };

    beforeEach(async () => {
      ({ config, dispose } = await backend.provision());
      store = await open('node-1');
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
      await dispose();
    });

    const ids = async (filter: Omit<CallRecordFilter, 'limit'>) =>
      (await store.calls.list({ ...filter, limit: 100 })).items.map((c) => c.id);

    it('filters by direction, agent, queue, status, end reason, duration, source and any party', async () => {
      for (const call of LOG) await store.calls.save(call);
      expect(await ids({})).toEqual(['c4', 'c3', 'c2', 'c1']);
      expect(await ids({ direction: 'outbound' })).toEqual(['c2']);
      expect(await ids({ agentId: 'agent-a' })).toEqual(['c3', 'c1']);
      expect(await ids({ queueId: 'sales' })).toEqual(['c3']);
      expect(await ids({ status: ['failed'] })).toEqual(['c2']);
      expect(await ids({ endReason: ['no_answer', 'busy'] })).toEqual(['c4', 'c2']);
      expect(await ids({ endReason: [] })).toEqual([]);
      expect(await ids({ minDuration: 30 })).toEqual(['c3', 'c1']);
      expect(await ids({ minDuration: 31, maxDuration: 300 })).toEqual(['c3']);
      expect(await ids({ maxDuration: 0 })).toEqual(['c4', 'c2']);
      expect(await ids({ source: '3cx' })).toEqual(['c4']);
      expect(await ids({ source: 'switchboard' })).toEqual(['c3', 'c2', 'c1']);
      // Any party: a transfer target, a leg, and an address whose `_` is no wildcard.
      expect(await ids({ number: '+15557770000' })).toEqual(['c3']);
      expect(await ids({ number: 'PJSIP/1001' })).toEqual(['c4', 'c3', 'c2', 'c1']);
      expect(await ids({ number: 'PJSIP/agent_1' })).toEqual(['c2']);
      expect(await ids({ number: 'PJSIP/agentX1' })).toEqual([]);
      expect(await ids({ number: '+1555%' })).toEqual([]);
      expect(await ids({ direction: 'inbound', agentId: 'agent-a', minDuration: 100 })).toEqual(['c3']);
    });

    it('pages a filtered selection with the cursor', async () => {
      for (const call of LOG) await store.calls.save(call);
      const first = await store.calls.list({ direction: 'inbound', limit: 2 });
      expect(first.items.map((c) => c.id)).toEqual(['c4', 'c3']);
      const second = await store.calls.list({
        direction: 'inbound',
        limit: 2,
        cursor: first.nextCursor as string,
      });
      expect(second.items.map((c) => c.id)).toEqual(['c1']);
      expect(second.nextCursor).toBeUndefined();
    });

    it('imports a call once per source and external id, the latest import winning', async () => {
      const first = makeCall('3cx-a', { source: '3cx', externalId: 'H1', duration: 10 });
      expect(await store.calls.importCall(first)).toEqual({ call: first, created: true });
      // The same external id under another id (a second connector instance) lands on the same record.
      const again = makeCall('other-id', { source: '3cx', externalId: 'H1', duration: 42 });
      const second = await store.calls.importCall(again);
      expect(second.created).toBe(false);
      expect(second.call.id).toBe('3cx-a');
      expect((await store.calls.list({ limit: 10 })).items).toStrictEqual([{ ...again, id: '3cx-a' }]);
      // Another source may use the same external id.
      const elsewhere = makeCall('x-a', { source: 'other', externalId: 'H1' });
      expect((await store.calls.importCall(elsewhere)).created).toBe(true);
      await expect(store.calls.importCall(makeCall('plain'))).rejects.toThrow(/source/);
    });

    it('lists the live records a process owns, and those written before owners were kept', async () => {
      const other = await open('node-2');
      await store.calls.save(makeCall('mine', { status: 'answered', startedAt: at(1) }));
      await other.calls.save(makeCall('theirs', { status: 'answered', startedAt: at(2) }));
      await store.commit({ calls: [makeCall('mine-too', { startedAt: at(3) })], events: [] });
      await store.calls.importCall(
        makeCall('imported', { source: '3cx', externalId: 'X', startedAt: at(4) }),
      );
      const owned = await store.calls.list({ ownedBy: 'node-1', limit: 10 });
      // An imported record has no owner, like those from before owners: a process may close it.
      expect(owned.items.map((c) => c.id)).toEqual(['imported', 'mine-too', 'mine']);
      const theirs = await other.calls.list({ ownedBy: 'node-2', limit: 10 });
      expect(theirs.items.map((c) => c.id)).toEqual(['imported', 'theirs']);
    });

    it("answers a call's events in seq order, after a seq", async () => {
      const call = makeCall('c1');
      const event = (seq: number, callId?: string): DomainEvent =>
        callId === undefined
          ? { id: `e${seq}`, seq, type: 'driver.connected', timestamp: at(seq), data: { driver: 'sim' } }
          : {
              id: `e${seq}`,
              seq,
              type: 'call.ringing',
              timestamp: at(seq),
              callId,
              data: { call: { ...call, id: callId } },
            };
      await store.events.append([event(1, 'c1'), event(2, 'c2'), event(3), event(4, 'c1'), event(5, 'c1')]);
      expect((await store.events.forCall('c1', 0, 10)).map((e) => e.seq)).toEqual([1, 4, 5]);
      expect((await store.events.forCall('c1', 1, 1)).map((e) => e.seq)).toEqual([4]);
      expect(await store.events.forCall('nope', 0, 10)).toEqual([]);
    });

    it('keeps PBX calls until completed, once per PBX call id', async () => {
      const call = (id: string, owner: string | null, received: number) => ({
        pbxCallId: id,
        callId: `3cx-${id}`,
        ownerEmail: owner,
        receivedAt: at(received),
        document: { pbxCallId: id, note: 'x' },
      });
      expect(await store.pbxCalls.add(call('p1', 'a@example.com', 1))).toBe(true);
      expect(await store.pbxCalls.add(call('p1', 'b@example.com', 2))).toBe(false);
      expect(await store.pbxCalls.add(call('p2', null, 3))).toBe(true);
      expect(await store.pbxCalls.add(call('p3', 'a@example.com', 4))).toBe(true);
      await store.pbxCalls.update('p2', { pbxCallId: 'p2', note: 'y' }, 'a@example.com');
      const pending = await store.pbxCalls.pending({ limit: 10 });
      expect(pending.map((p) => p.pbxCallId)).toEqual(['p1', 'p2', 'p3']);
      expect(pending[1]).toEqual({
        ...call('p2', 'a@example.com', 3),
        document: { pbxCallId: 'p2', note: 'y' },
      });
      expect((await store.pbxCalls.complete('p1', at(9)))?.completedAt).toBe(at(9));
      expect((await store.pbxCalls.complete('p1', at(10)))?.completedAt).toBe(at(9));
      expect(await store.pbxCalls.complete('nope', at(10))).toBeUndefined();
      const mine = await store.pbxCalls.pending({ ownerEmail: 'a@example.com', limit: 10 });
      expect(mine.map((p) => p.pbxCallId)).toEqual(['p2', 'p3']);
    });

    it('keeps one active alert per group and type, across stores sharing the database', async () => {
      const other = await open('node-2');
      const alert = (id: string, group: string, type: string, created: number) => ({
        id,
        callGroupId: group,
        callGroupName: `Group ${group}`,
        alertType: type,
        alertMessage: 'm',
        isActive: true,
        createdAt: at(created),
        resolvedAt: null,
      });
      const raised = await Promise.all([
        store.callGroupAlerts.raise(alert('a1', '700', 'MISSED_CALL', 1)),
        other.callGroupAlerts.raise(alert('a2', '700', 'MISSED_CALL', 1)),
      ]);
      expect(raised.filter((r) => r.created)).toHaveLength(1);
      expect(raised[0]?.alert.id).toBe(raised[1]?.alert.id);
      expect((await store.callGroupAlerts.raise(alert('a3', '700', 'NO_AGENTS', 2))).created).toBe(true);
      expect((await store.callGroupAlerts.raise(alert('a4', '701', 'MISSED_CALL', 3))).created).toBe(true);
      const firstId = raised[0]?.alert.id as string;
      const resolved = await store.callGroupAlerts.resolve(firstId, at(5));
      expect(resolved).toMatchObject({ isActive: false, resolvedAt: at(5) });
      expect((await store.callGroupAlerts.resolve(firstId, at(6)))?.resolvedAt).toBe(at(5));
      // Resolved, the group may be alerted again.
      expect((await store.callGroupAlerts.raise(alert('a5', '700', 'MISSED_CALL', 7))).created).toBe(true);
      const ids = async (filter: { active?: boolean; callGroupId?: string }) =>
        (await store.callGroupAlerts.list({ ...filter, limit: 10 })).map((a) => a.id);
      expect(await ids({ active: true })).toEqual(['a5', 'a4', 'a3']);
      expect(await ids({ active: false })).toEqual([firstId]);
      expect(await ids({ callGroupId: '700' })).toEqual(['a5', 'a3', firstId]);
    });

    it('keeps connector state by key', async () => {
      expect(await store.connectorState.get('k')).toBeUndefined();
      await store.connectorState.set('k', 'v1');
      await store.connectorState.set('k', 'v2');
      expect(await (await open('node-2')).connectorState.get('k')).toBe('v2');
    });
  });
}
