import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../src/core/events.ts';
import type { PartyDirectory } from '../../src/engine/types.ts';
import type { EngineHarness } from './engine-scenarios.ts';

/** A conference or monitor event as `type who[ reason]`: `call.participant.left bob no_answer`. */
export function partyEventLine(e: DomainEvent): string {
  const data = e.data as {
    participant?: { to: string };
    monitor?: { supervisorId: string; mode: string };
    reason?: string;
  };
  const who = data.participant?.to ?? `${data.monitor?.supervisorId} ${data.monitor?.mode}`;
  return `${e.type} ${who}${data.reason ? ` ${data.reason}` : ''}`;
}

/** What the conference and supervisor scenarios need beyond {@link EngineHarness}. */
export interface PartyHarness extends EngineHarness {
  /** The channels whose voice reaches the party at `channelId` now (the driver's own view). */
  hears(channelId: string): string[];
}

const ALICE = { agentId: 'alice', endpoint: '1001', roles: ['agent'] };
const CHARLIE = { agentId: 'charlie', endpoint: '1002', roles: ['supervisor'] };
const BOB = { agentId: 'bob', endpoint: '1003', roles: ['agent'] };
const JOHN = '+12125550198';

/** The agents of the scenarios, as the ACD would resolve them. */
const directory: PartyDirectory = {
  resolve: (name) => [ALICE, CHARLIE, BOB].find((a) => a.agentId === name),
  claim: () => undefined,
};

/**
 * Conferences and supervisors through {@link CallEngine} with the driver under test: the same
 * assertions, and the same answer to "who hears whom" from each driver's own view (the simulator's
 * bridge roles, the fake Asterisk's bridges and snoops).
 */
export function partyScenarios(name: string, makeHarness: () => Promise<PartyHarness>): void {
  describe(`conference and supervisor scenarios: ${name}`, () => {
    let h: PartyHarness;
    let events: DomainEvent[];

    beforeEach(async () => {
      h = await makeHarness();
      h.engine.useDirectory(directory);
      events = [];
      h.engine.events.subscribe((e) => events.push(e));
    });

    afterEach(async () => {
      await h.close();
    });

    /** Alice (agent, 1001) called John; both are up. */
    async function aliceWithJohn(): Promise<{ callId: string; alice: string; john: string }> {
      const call = await h.engine.originate({ from: 'alice', to: JOHN });
      const alice = await h.dialled(ALICE.endpoint);
      await h.partyAnswer(alice);
      const john = await h.dialled(JOHN);
      await h.partyAnswer(john);
      return { callId: call.id, alice, john };
    }

    /** Who hears whom, by name: `alice: charlie john` (sorted). */
    function hearing(names: Record<string, string>): string[] {
      const byId = new Map(Object.entries(names).map(([n, id]) => [id, n]));
      return Object.entries(names).map(
        ([n, id]) =>
          `${n}: ${h
            .hears(id)
            .map((other) => byId.get(other) ?? other)
            .sort()
            .join(' ')}`,
      );
    }

    const ofCall = (callId: string, prefix: string) =>
      events.filter((e) => e.callId === callId && e.type.startsWith(prefix)).map(partyEventLine);

    it('Alice adds supervisor Charlie: Charlie joins, three parties connected, call type conference', async () => {
      const { callId, alice, john } = await aliceWithJohn();
      expect((await h.engine.get(callId)).type).toBe('call');
      const added = await h.engine.addParticipant(callId, { to: 'charlie' });
      expect(added.participant).toMatchObject({ to: 'charlie', agentId: 'charlie', status: 'dialing' });
      const charlie = await h.dialled(CHARLIE.endpoint);
      expect(added.participant.legId).toBe(charlie);
      await h.partyAnswer(charlie);
      const call = await h.engine.get(callId);
      expect(call.type).toBe('conference');
      expect(call.participants?.map((p) => [p.role, p.to, p.legId, p.status, p.muted])).toEqual([
        ['owner', 'alice', alice, 'joined', false],
        ['participant', JOHN, john, 'joined', false],
        ['participant', 'charlie', charlie, 'joined', false],
      ]);
      expect(call.participants?.every((p) => p.joinedAt !== undefined)).toBe(true);
      expect(call.bridges).toMatchObject([{ kind: 'main', members: [alice, john, charlie] }]);
      expect(hearing({ alice, john, charlie })).toEqual([
        'alice: charlie john',
        'john: alice charlie',
        'charlie: alice john',
      ]);
      expect(ofCall(callId, 'call.participant')).toEqual(['call.participant.joined charlie']);
    });

    it('a muted party is heard by nobody and hears everyone; removed, the call goes on with two; the last but one leaving ends it', async () => {
      const { callId, alice, john } = await aliceWithJohn();
      const { participant } = await h.engine.addParticipant(callId, { to: 'charlie' });
      const charlie = await h.dialled(CHARLIE.endpoint);
      await h.partyAnswer(charlie);
      await h.engine.muteParticipant(callId, participant.id, true);
      expect(hearing({ alice, john, charlie })).toEqual([
        'alice: john',
        'john: alice',
        'charlie: alice john',
      ]);
      expect((await h.engine.get(callId)).participants?.[2]?.muted).toBe(true);
      await h.engine.muteParticipant(callId, participant.id, false);
      expect(hearing({ alice, john, charlie })).toEqual([
        'alice: charlie john',
        'john: alice charlie',
        'charlie: alice john',
      ]);
      const johnId = (await h.engine.get(callId)).participants?.[1]?.id ?? '';
      await h.engine.removeParticipant(callId, johnId);
      await h.advance(0);
      expect(h.live(john)).toBe(false);
      expect(hearing({ alice, charlie })).toEqual(['alice: charlie', 'charlie: alice']);
      expect((await h.engine.get(callId)).status).toBe('answered');
      await h.partyHangup(charlie);
      const record = await h.engine.get(callId);
      expect(record).toMatchObject({ status: 'ended', endReason: 'normal', type: 'conference' });
      expect(record.participants?.map((p) => [p.to, p.status, p.leftReason])).toEqual([
        ['alice', 'left', 'normal'],
        [JOHN, 'left', 'normal'],
        ['charlie', 'left', 'normal'],
      ]);
      expect(record.participants?.every((p) => p.leftAt !== undefined)).toBe(true);
      expect(ofCall(callId, 'call.participant')).toEqual([
        'call.participant.joined charlie',
        'call.participant.muted charlie',
        'call.participant.unmuted charlie',
        `call.participant.left ${JOHN} normal`,
        'call.participant.left charlie normal',
      ]);
    });

    it('a listener joins muted: hears everyone, heard by nobody, and cannot be unmuted', async () => {
      const { callId, alice, john } = await aliceWithJohn();
      const { participant } = await h.engine.addParticipant(callId, { to: 'charlie', role: 'listener' });
      const charlie = await h.dialled(CHARLIE.endpoint);
      await h.partyAnswer(charlie);
      expect(hearing({ alice, john, charlie })).toEqual([
        'alice: john',
        'john: alice',
        'charlie: alice john',
      ]);
      expect((await h.engine.get(callId)).participants?.[2]).toMatchObject({ role: 'listener', muted: true });
      await expect(h.engine.muteParticipant(callId, participant.id, false)).rejects.toMatchObject({
        code: 'INVALID_STATE',
      });
    });

    it('a party who never answers leaves with no_answer; the call goes on', async () => {
      const { callId, alice, john } = await aliceWithJohn();
      await h.engine.addParticipant(callId, { to: 'bob' });
      await h.dialled(BOB.endpoint);
      await h.advance(30_000);
      const call = await h.engine.get(callId);
      expect(call.status).toBe('answered');
      expect(call.participants?.[2]).toMatchObject({ to: 'bob', status: 'left', leftReason: 'no_answer' });
      expect(call.participants?.[2]?.joinedAt).toBeUndefined();
      expect(hearing({ alice, john })).toEqual(['alice: john', 'john: alice']);
      expect(ofCall(callId, 'call.participant')).toEqual(['call.participant.left bob no_answer']);
    });

    it('a call told to end with its owner ends when Alice leaves, although two parties remain', async () => {
      const { callId, alice } = await aliceWithJohn();
      await h.engine.addParticipant(callId, { to: 'charlie', endWhenOwnerLeaves: true });
      await h.partyAnswer(await h.dialled(CHARLIE.endpoint));
      expect((await h.engine.get(callId)).conference).toEqual({
        maxParticipants: 10,
        endWhenOwnerLeaves: true,
      });
      await h.partyHangup(alice);
      expect(await h.engine.get(callId)).toMatchObject({ status: 'ended', endReason: 'normal' });
    });

    it('without that, Alice leaving leaves John and Charlie talking', async () => {
      const { callId, alice, john } = await aliceWithJohn();
      await h.engine.addParticipant(callId, { to: 'charlie' });
      const charlie = await h.dialled(CHARLIE.endpoint);
      await h.partyAnswer(charlie);
      await h.partyHangup(alice);
      expect((await h.engine.get(callId)).status).toBe('answered');
      expect(hearing({ john, charlie })).toEqual(['john: charlie', 'charlie: john']);
      expect(ofCall(callId, 'call.participant.left')).toEqual(['call.participant.left alice normal']);
    });

    it('supervisor Charlie listens, whispers, barges in and listens again: who hears whom at each step', async () => {
      const { callId, alice, john } = await aliceWithJohn();
      await h.engine.monitor(callId, { supervisorId: 'charlie', mode: 'listen' });
      const charlie = await h.dialled(CHARLIE.endpoint);
      await h.partyAnswer(charlie);
      const parties = { alice, john, charlie };
      expect(hearing(parties)).toEqual(['alice: john', 'john: alice', 'charlie: alice john']);
      await h.engine.monitor(callId, { supervisorId: 'charlie', mode: 'whisper' });
      expect(hearing(parties)).toEqual(['alice: charlie john', 'john: alice', 'charlie: alice john']);
      await h.engine.monitor(callId, { supervisorId: 'charlie', mode: 'barge' });
      expect(hearing(parties)).toEqual(['alice: charlie john', 'john: alice charlie', 'charlie: alice john']);
      await h.engine.monitor(callId, { supervisorId: 'charlie', mode: 'listen' });
      expect(hearing(parties)).toEqual(['alice: john', 'john: alice', 'charlie: alice john']);
      const call = await h.engine.get(callId);
      expect(call.type).toBe('call');
      expect(call.monitors).toMatchObject([
        { supervisorId: 'charlie', legId: charlie, mode: 'listen', status: 'active' },
      ]);
      expect(call.legs.find((l) => l.id === charlie)).toMatchObject({
        role: 'supervisor',
        agentId: 'charlie',
      });
      await h.engine.endMonitor(callId);
      await h.advance(0);
      expect(h.live(charlie)).toBe(false);
      expect(hearing({ alice, john })).toEqual(['alice: john', 'john: alice']);
      expect((await h.engine.get(callId)).status).toBe('answered');
      expect(ofCall(callId, 'call.monitor')).toEqual([
        'call.monitor.started charlie listen',
        'call.monitor.changed charlie whisper',
        'call.monitor.changed charlie barge',
        'call.monitor.changed charlie listen',
        'call.monitor.ended charlie listen normal',
      ]);
    });

    it('a supervisor who hangs up ends the monitoring, not the call', async () => {
      const { callId, alice, john } = await aliceWithJohn();
      await h.engine.monitor(callId, { supervisorId: 'charlie', mode: 'whisper' });
      const charlie = await h.dialled(CHARLIE.endpoint);
      await h.partyAnswer(charlie);
      expect(hearing({ alice, john, charlie })).toEqual([
        'alice: charlie john',
        'john: alice',
        'charlie: alice john',
      ]);
      await h.partyHangup(charlie);
      expect((await h.engine.get(callId)).monitors).toMatchObject([{ status: 'ended', endReason: 'normal' }]);
      expect(hearing({ alice, john })).toEqual(['alice: john', 'john: alice']);
      await h.partyHangup(john);
      const record = await h.engine.get(callId);
      expect(record).toMatchObject({ status: 'ended', endReason: 'normal' });
      expect(ofCall(callId, 'call.monitor').at(-1)).toBe('call.monitor.ended charlie whisper normal');
    });

    it('an agent without the supervisor role may not monitor; nothing is dialled', async () => {
      const { callId } = await aliceWithJohn();
      await expect(h.engine.monitor(callId, { supervisorId: 'bob', mode: 'listen' })).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      await expect(
        h.engine.monitor(callId, { supervisorId: 'nobody', mode: 'listen' }),
      ).rejects.toMatchObject({
        code: 'AGENT_NOT_FOUND',
      });
      await h.advance(0);
      await expect(h.dialled(BOB.endpoint)).rejects.toThrow();
      expect((await h.engine.get(callId)).monitors).toBeUndefined();
    });
  });
}
