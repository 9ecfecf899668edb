import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallSnapshot } from '../../src/core/call.ts';
import type { DomainEvent } from '../../src/core/events.ts';
import type { EngineHarness } from './engine-scenarios.ts';

const ALICE = '1001';
const BOB = '1002';
const BOB_ID = 'agent-bob';
const JOHN = '+12125550198';
const TARGET = '+13125550113';

/**
 * Attended (warm) transfer through the engine with the driver under test, the same assertions for
 * every driver: dispatcher Alice (her desk phone `1001`) talks to driver John and consults a target
 * (a number, or agent Bob on `1002`) while John waits with music on hold; then she completes, cancels,
 * or the transfer falls back. "Who hears whom" is read from the phone system's bridges.
 */
export function attendedTransferScenarios(name: string, makeHarness: () => Promise<EngineHarness>): void {
  describe(`attended transfer: ${name}`, () => {
    let h: EngineHarness;
    let events: DomainEvent[];

    beforeEach(async () => {
      h = await makeHarness();
      events = [];
      h.engine.events.subscribe((e) => events.push(e));
      // Agent ids stand for their phones, as the ACD's directory makes them.
      h.engine.useDirectory({
        resolve: (raw) => (raw === BOB_ID ? { endpoint: BOB, agentId: BOB_ID } : undefined),
        claim: () => undefined,
      });
    });

    afterEach(async () => {
      await h.close();
    });

    /** The call's events from the transfer on, as `type status[ detail]` (phones' own ringing left out). */
    const story = (callId: string) =>
      events
        .filter((e) => e.callId === callId && e.type !== 'call.leg.ringing')
        .map((e) => {
          const data = e.data as { call: CallSnapshot; reason?: string; agentId?: string };
          const detail = data.reason ?? data.agentId ?? data.call.endReason;
          return `${e.type} ${data.call.status}${detail ? ` ${detail}` : ''}`;
        })
        .slice(2);

    /** Alice click-to-dials John; both answer. */
    async function aliceWithJohn(): Promise<{ callId: string; alice: string; john: string }> {
      const call = await h.engine.originate({ from: ALICE, to: JOHN, context: { truck: 'TX-12' } });
      const alice = await h.dialled(ALICE);
      await h.partyAnswer(alice);
      const john = await h.dialled(JOHN);
      await h.partyAnswer(john);
      return { callId: call.id, alice, john };
    }

    /** Alice starts an attended transfer to `to`; resolves with the target's channel. */
    async function consult(callId: string, to: string, address: string): Promise<string> {
      const started = await h.engine.transfer(callId, to, { mode: 'attended' });
      expect(started.status).toBe('transferring');
      return h.dialled(address);
    }

    /** Alice consults the target, who has answered; John waits on hold. */
    async function inConsultation(): Promise<{
      callId: string;
      alice: string;
      john: string;
      target: string;
    }> {
      const parties = await aliceWithJohn();
      const target = await consult(parties.callId, TARGET, TARGET);
      await h.partyAnswer(target);
      return { ...parties, target };
    }

    const main = (callId: string) => `${callId}-bridge`;
    const consultation = async (callId: string) =>
      (await h.engine.get(callId)).bridges?.find((b) => b.kind === 'consultation')?.id;

    /** Alice and John talk again, in the main bridge, John off hold; the call is answered. */
    async function backTogether(callId: string, alice: string, john: string): Promise<CallSnapshot> {
      expect(h.onHold(john)).toBe(false);
      expect(h.bridgeOf(alice)).toBe(main(callId));
      expect(h.bridgeOf(john)).toBe(main(callId));
      const call = await h.engine.get(callId);
      expect(call).toMatchObject({ status: 'answered' });
      expect(call.heldAt).toBeUndefined();
      expect(call.bridges?.find((b) => b.kind === 'consultation')).toMatchObject({
        destroyedAt: expect.any(String),
        members: [],
      });
      return call;
    }

    it('holds John, consults the target apart from him, and completes: John with the target, Alice gone', async () => {
      const { callId, alice, john } = await aliceWithJohn();
      const target = await consult(callId, TARGET, TARGET);
      const consultBridge = await consultation(callId);
      expect(consultBridge).toBe(`${callId}-consultation-2`);
      // John hears music on hold in the main bridge; Alice waits for the target in the consultation.
      expect(h.onHold(john)).toBe(true);
      expect(h.bridgeOf(john)).toBe(main(callId));
      expect(h.bridgeOf(alice)).toBe(consultBridge);
      const ringing = await h.engine.get(callId);
      expect(ringing).toMatchObject({ status: 'transferring', heldAt: expect.any(String) });
      expect(ringing.transfers).toMatchObject([
        { kind: 'attended', status: 'ringing', to: TARGET, from: ALICE, targetLegId: target },
      ]);

      await h.partyAnswer(target);
      // Alice and the target talk; John still waits, hearing neither.
      expect(h.bridgeOf(target)).toBe(consultBridge);
      expect(h.bridgeOf(alice)).toBe(consultBridge);
      expect(h.onHold(john)).toBe(true);
      const consulting = await h.engine.get(callId);
      expect(consulting.transfers).toMatchObject([{ status: 'consulting', answeredAt: expect.any(String) }]);
      expect(consulting.bridges).toMatchObject([
        { id: main(callId), kind: 'main', members: [john] },
        { id: consultBridge, kind: 'consultation', members: [alice, target] },
      ]);

      const done = await h.engine.completeTransfer(callId);
      await h.advance(0);
      expect(done.status).toBe('answered');
      expect(h.onHold(john)).toBe(false);
      expect(h.bridgeOf(john)).toBe(main(callId));
      expect(h.bridgeOf(target)).toBe(main(callId));
      expect(h.live(alice)).toBe(false);
      await h.partyHangup(john);
      expect(story(callId)).toEqual([
        'call.transferring transferring',
        'call.transfer.answered transferring',
        'call.transferred answered',
        'call.ended ended normal',
      ]);
      const record = await h.engine.get(callId);
      expect(record.legs.find((l) => l.id === alice)).toMatchObject({
        status: 'ended',
        endReason: 'transferred',
      });
      expect(record.transfers).toEqual([
        {
          id: `${callId}-transfer-1`,
          kind: 'attended',
          status: 'completed',
          to: TARGET,
          from: ALICE,
          targetLegId: target,
          startedAt: expect.any(String),
          answeredAt: consulting.transfers?.[0]?.answeredAt,
          endedAt: expect.any(String),
        },
      ]);
      expect(record.bridges).toMatchObject([
        { id: main(callId), kind: 'main', destroyedAt: record.endedAt, members: [] },
        { id: consultBridge, kind: 'consultation', destroyedAt: expect.any(String), members: [] },
      ]);
    });

    it('offers an agent target the call with who transfers, who is transferred and the context', async () => {
      const { callId } = await aliceWithJohn();
      const bob = await consult(callId, BOB_ID, BOB);
      const offered = events.find((e) => e.type === 'call.offered');
      expect(offered).toMatchObject({
        callId,
        agentId: BOB_ID,
        data: {
          legId: bob,
          agentId: BOB_ID,
          transfer: { transferId: `${callId}-transfer-1`, kind: 'attended', from: ALICE, caller: JOHN },
          call: { status: 'transferring', context: { truck: 'TX-12' } },
        },
      });
      await h.partyAnswer(bob);
      await h.engine.completeTransfer(callId);
      await h.advance(0);
      expect(story(callId)).toEqual([
        'call.transferring transferring',
        `call.offered transferring ${BOB_ID}`,
        `call.offer.accepted transferring ${BOB_ID}`,
        'call.transfer.answered transferring',
        'call.transferred answered',
      ]);
      expect(await h.engine.get(callId)).toMatchObject({ agentId: BOB_ID, transfers: [{ agentId: BOB_ID }] });
    });

    it('a target who refuses: the transfer fails busy and Alice is back with John', async () => {
      const { callId, alice, john } = await aliceWithJohn();
      const bob = await consult(callId, BOB_ID, BOB);
      await h.partyBusy(bob);
      const call = await backTogether(callId, alice, john);
      expect(call.transfers).toMatchObject([{ status: 'failed', endReason: 'busy', agentId: BOB_ID }]);
      expect(story(callId)).toEqual([
        'call.transferring transferring',
        `call.offered transferring ${BOB_ID}`,
        `call.offer.ended transferring busy`,
        'call.transfer.failed answered busy',
      ]);
    });

    it('a target who rings out: the transfer fails no_answer at the ring timeout and Alice is back with John', async () => {
      const { callId, alice, john } = await aliceWithJohn();
      const target = await consult(callId, TARGET, TARGET);
      await h.advance(29_999);
      expect((await h.engine.get(callId)).status).toBe('transferring');
      await h.advance(1);
      expect(h.live(target)).toBe(false);
      const call = await backTogether(callId, alice, john);
      expect(call.transfers).toMatchObject([{ status: 'failed', endReason: 'no_answer' }]);
      expect(story(callId).at(-1)).toBe('call.transfer.failed answered no_answer');
    });

    it('a target who hangs up during the consultation: the transfer fails and Alice is back with John', async () => {
      const { callId, alice, john, target } = await inConsultation();
      await h.partyHangup(target);
      const call = await backTogether(callId, alice, john);
      expect(call.transfers).toMatchObject([
        { status: 'failed', endReason: 'normal', answeredAt: expect.any(String) },
      ]);
      expect(story(callId).slice(-2)).toEqual([
        'call.transfer.answered transferring',
        'call.transfer.failed answered normal',
      ]);
    });

    for (const when of ['ringing', 'consulting'] as const) {
      it(`Alice cancels while the target is ${when}: the target is hung up, Alice is back with John`, async () => {
        const { callId, alice, john } = await aliceWithJohn();
        const bob = await consult(callId, BOB_ID, BOB);
        if (when === 'consulting') await h.partyAnswer(bob);
        const canceled = await h.engine.cancelTransfer(callId);
        await h.advance(0);
        expect(canceled.status).toBe('answered');
        expect(h.live(bob)).toBe(false);
        const call = await backTogether(callId, alice, john);
        expect(call.transfers).toMatchObject([{ status: 'canceled', endedAt: expect.any(String) }]);
        expect(call.transfers?.[0]?.endReason).toBeUndefined();
        expect(call.legs.find((l) => l.id === bob)).toMatchObject({ status: 'ended' });
        expect(story(callId).slice(-2)).toEqual(
          when === 'ringing'
            ? [`call.offer.ended transferring canceled`, 'call.transfer.canceled answered']
            : ['call.transfer.answered transferring', 'call.transfer.canceled answered'],
        );
        // Back to a plain call: the next transfer may start.
        await h.engine.transfer(callId, TARGET, { mode: 'attended' });
        expect((await h.engine.get(callId)).transfers?.map((t) => t.status)).toEqual(['canceled', 'ringing']);
      });
    }

    it('John hanging up while on hold ends the call for everyone, the consultation torn down', async () => {
      const { callId, alice, john, target } = await inConsultation();
      await h.partyHangup(john);
      expect(h.live(alice)).toBe(false);
      expect(h.live(target)).toBe(false);
      expect(story(callId).at(-1)).toBe('call.ended ended normal');
      const record = await h.engine.get(callId);
      expect(record.transfers).toMatchObject([{ status: 'failed', endReason: 'canceled' }]);
      expect(record.bridges?.every((b) => b.destroyedAt !== undefined && b.members.length === 0)).toBe(true);
      expect(h.engine.liveCount).toBe(0);
    });

    for (const mode of ['blind', 'attended'] as const) {
      it(`John hanging up while a ${mode} transfer's target rings ends the call; the target stops ringing`, async () => {
        const { callId, john } = await aliceWithJohn();
        await h.engine.transfer(callId, TARGET, { mode });
        const ringing = await h.dialled(TARGET);
        await h.partyHangup(john);
        expect(h.live(ringing)).toBe(false);
        expect(await h.engine.get(callId)).toMatchObject({
          status: 'ended',
          endReason: 'normal',
          transfers: [{ kind: mode, status: 'failed', endReason: 'canceled' }],
        });
      });
    }

    it('Alice hanging up during the consultation completes the transfer', async () => {
      const { callId, alice, john, target } = await inConsultation();
      await h.partyHangup(alice);
      expect(h.onHold(john)).toBe(false);
      expect(h.bridgeOf(target)).toBe(main(callId));
      expect(h.bridgeOf(john)).toBe(main(callId));
      const call = await h.engine.get(callId);
      expect(call).toMatchObject({ status: 'answered', transfers: [{ status: 'completed' }] });
      expect(story(callId).at(-1)).toBe('call.transferred answered');
    });

    it('completed before the target answered: Alice leaves, John waits on hold and is connected when it answers', async () => {
      const { callId, alice, john } = await aliceWithJohn();
      const target = await consult(callId, TARGET, TARGET);
      await h.engine.completeTransfer(callId);
      await h.advance(0);
      expect(h.live(alice)).toBe(false);
      expect(h.onHold(john)).toBe(true);
      expect((await h.engine.get(callId)).transfers).toMatchObject([{ status: 'ringing' }]);
      // Nobody is left to take John back.
      await expect(h.engine.cancelTransfer(callId)).rejects.toMatchObject({ code: 'INVALID_STATE' });
      await h.partyAnswer(target);
      expect(h.onHold(john)).toBe(false);
      expect(h.bridgeOf(target)).toBe(main(callId));
      expect(story(callId)).toEqual([
        'call.transferring transferring',
        'call.leg.ended transferring',
        'call.transferred answered',
      ]);
      expect((await h.engine.get(callId)).transfers).toMatchObject([{ status: 'completed' }]);
    });

    it('completed before the target answered, and it never does: the call ends no_answer, as a blind transfer', async () => {
      const { callId } = await aliceWithJohn();
      await consult(callId, TARGET, TARGET);
      await h.engine.completeTransfer(callId);
      await h.advance(30_000);
      expect(await h.engine.get(callId)).toMatchObject({
        status: 'ended',
        endReason: 'no_answer',
        transfers: [{ status: 'failed', endReason: 'no_answer' }],
      });
    });

    it('a held call can be transferred attended; a fallback takes John off hold', async () => {
      const { callId, alice, john } = await aliceWithJohn();
      await h.engine.hold(callId);
      const target = await consult(callId, TARGET, TARGET);
      expect(h.onHold(john)).toBe(true);
      await h.partyBusy(target);
      await backTogether(callId, alice, john);
    });

    it('refuses a ringing call, a waiting caller, and complete or cancel with no attended transfer (INVALID_STATE)', async () => {
      const ringing = await h.engine.originate({ from: ALICE, to: JOHN });
      await expect(h.engine.transfer(ringing.id, TARGET, { mode: 'attended' })).rejects.toMatchObject({
        code: 'INVALID_STATE',
        details: { status: 'ringing' },
      });
      const { callId } = await aliceWithJohn();
      for (const command of [h.engine.completeTransfer, h.engine.cancelTransfer]) {
        await expect(command(callId)).rejects.toMatchObject({
          code: 'INVALID_STATE',
          details: { status: 'answered' },
        });
      }
      // A blind transfer is no attended one either.
      await h.engine.transfer(callId, TARGET);
      await expect(h.engine.completeTransfer(callId)).rejects.toMatchObject({ code: 'INVALID_STATE' });
      // A second transfer while one is under way is refused.
      await expect(h.engine.transfer(callId, BOB_ID, { mode: 'attended' })).rejects.toMatchObject({
        code: 'INVALID_STATE',
        details: { status: 'transferring' },
      });
      const waiting = await h.engine.createQueued({ to: JOHN, queueId: 'q1' });
      await expect(h.engine.transfer(waiting.id, TARGET, { mode: 'attended' })).rejects.toMatchObject({
        code: 'INVALID_STATE',
      });
    });

    it('a target the phone system cannot dial fails the transfer; Alice is back with John', async () => {
      h.unknownParty(TARGET);
      const { callId, alice, john } = await aliceWithJohn();
      // ARI refuses the dial at once; the simulator's channel fails as it is dialled.
      await h.engine.transfer(callId, TARGET, { mode: 'attended' });
      await h.advance(0);
      const back = await backTogether(callId, alice, john);
      expect(back.transfers).toMatchObject([{ status: 'failed', endReason: 'invalid_number' }]);
    });
  });
}
