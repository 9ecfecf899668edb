import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallSnapshot } from '../../src/core/call.ts';
import type { VirtualClock } from '../../src/core/clock.ts';
import type { DomainEvent } from '../../src/core/events.ts';
import type { CallEngine } from '../../src/engine/call-engine.ts';
import { bytesOf, readWav } from './wav.ts';

/**
 * What the engine-level scenarios need from one telephony driver: a started engine on a virtual
 * clock, and hands on the far end of its calls. Remote parties never act by themselves; the scenario
 * says when they answer, refuse, press keys or hang up.
 */
export interface EngineHarness {
  readonly engine: CallEngine;
  readonly clock: VirtualClock;
  /** Lets `ms` of virtual time pass, and everything it causes happen. */
  advance(ms: number): Promise<void>;
  /** The driver channel last dialled to `address`, once the engine has dialled it. */
  dialled(address: string): Promise<string>;
  partyAnswer(channelId: string): Promise<void>;
  /** The dialled party refuses with 486 Busy Here. */
  partyBusy(channelId: string): Promise<void>;
  partyHangup(channelId: string): Promise<void>;
  partyDtmf(channelId: string, digit: string): Promise<void>;
  /**
   * The party's channel ends unseen while the connection to the phone system is down (the simulator:
   * it ends with `network_error`); resolves once the driver is back and the engine heard of it.
   */
  partyLost(channelId: string): Promise<void>;
  /** The phone system dies with every call and comes back (ARI: Asterisk killed and restarted). */
  pbxRestart(): Promise<void>;
  /** The phone system cannot dial `address` (ARI: 500 "Allocation failed"; the simulator: invalid_number). */
  unknownParty(address: string): void;
  /** Whether the inbound caller at the channel was sent ringback (SIP 180). */
  ringback(channelId: string): boolean;
  /** Media played to the party at the channel, in order. */
  played(channelId: string): string[];
  /** A caller dials in; resolves with its channel id once the engine has the call. */
  placeInbound(from: string, to: string): Promise<string>;
  /** Digits the party at the channel has been sent. */
  dtmfReceived(channelId: string): string;
  /** Whether the party at the channel hears music on hold. */
  onHold(channelId: string): boolean;
  /** Whether the channel is still up at the phone system. */
  live(channelId: string): boolean;
  /** The bridge the channel sits in at the phone system (who hears whom), if any. */
  bridgeOf(channelId: string): string | undefined;
  close(): Promise<void>;
}

/**
 * What a scenario needs beyond dialling, answering and hanging up parties: a driver that lacks it
 * (a cloud provider) skips it. `reconnect`: a connection to the phone system that can be lost;
 * `ringing`: a phone's own ringing reported (SIP 180).
 */
export type ScenarioNeed =
  | 'inbound'
  | 'hold'
  | 'transfer'
  | 'dtmf'
  | 'queue'
  | 'playback'
  | 'recording'
  | 'reconnect'
  | 'hangup'
  | 'ringing';

const AGENT_EXTENSION = '1001';
const CUSTOMER = '+12125550198';
const CALLER = '+14155550101';
const DID = '+15550000100';
const TRANSFER_TO = '+13125550113';
const QUEUE = 'sales';
const AGENT_ID = 'agent-1001';

/**
 * Call flows through {@link CallEngine} with the driver under test: the same assertions on the same
 * engine events for every driver (the simulator, Asterisk over ARI).
 */
export function engineScenarios(
  name: string,
  makeHarness: () => Promise<EngineHarness>,
  options: { lacks?: readonly ScenarioNeed[]; agent?: string } = {},
): void {
  // A cloud provider reaches agents on their phone numbers, not on extensions.
  const AGENT = options.agent ?? AGENT_EXTENSION;
  const lacks = new Set(options.lacks ?? []);
  /** A scenario skipped where the driver lacks what it needs (the engine's refusals are tested beside). */
  const scenario = (needs: readonly ScenarioNeed[], title: string, body: () => Promise<void>) =>
    (needs.some((n) => lacks.has(n)) ? it.skip : it)(title, body);
  describe(`engine scenarios: ${name}`, () => {
    let h: EngineHarness;
    let events: DomainEvent[];

    beforeEach(async () => {
      h = await makeHarness();
      events = [];
      h.engine.events.subscribe((e) => events.push(e));
    });

    afterEach(async () => {
      await h.close();
    });

    /** The call's events as `type status[ detail]` lines (a phone's own ringing left out). */
    const story = (callId: string) =>
      events
        .filter((e) => e.callId === callId && e.type !== 'call.leg.ringing')
        .map((e) => {
          const data = e.data as {
            call: CallSnapshot;
            digit?: string;
            direction?: string;
            transferTo?: string;
            queueId?: string;
            agentId?: string;
            reason?: string;
          };
          const detail =
            e.type === 'call.dtmf'
              ? ` ${data.direction} ${data.digit}`
              : e.type === 'call.queued'
                ? ` ${data.queueId}`
                : e.type.startsWith('call.offer')
                  ? ` ${data.agentId}${data.reason ? ` ${data.reason}` : ''}`
                  : data.transferTo
                    ? ` ${data.transferTo}`
                    : data.call.endReason
                      ? ` ${data.call.endReason}`
                      : '';
          return `${e.type} ${data.call.status}${detail}`;
        });

    async function inboundAnswered(): Promise<{ callId: string; caller: string }> {
      const caller = await h.placeInbound(CALLER, DID);
      const ringing = events.find((e) => e.type === 'call.ringing');
      if (!ringing?.callId) throw new Error('no call.ringing for the inbound call');
      await h.engine.answer(ringing.callId);
      await h.advance(0);
      return { callId: ringing.callId, caller };
    }

    async function inboundQueued(): Promise<{ callId: string; caller: string }> {
      const caller = await h.placeInbound(CALLER, DID);
      const ringing = events.find((e) => e.type === 'call.ringing');
      if (!ringing?.callId) throw new Error('no call.ringing for the inbound call');
      await h.engine.enqueue(ringing.callId, QUEUE);
      await h.advance(0);
      return { callId: ringing.callId, caller };
    }

    const offerTo = (callId: string, timeoutMs = 15_000) =>
      h.engine.offer(callId, { agentId: AGENT_ID, endpoint: AGENT, timeoutMs });

    async function clickToDialAnswered(): Promise<{ callId: string; agent: string; customer: string }> {
      const call = await h.engine.originate({ from: AGENT, to: CUSTOMER });
      const agent = await h.dialled(AGENT);
      await h.partyAnswer(agent);
      const customer = await h.dialled(CUSTOMER);
      await h.partyAnswer(customer);
      return { callId: call.id, agent, customer };
    }

    scenario(
      ['hangup'],
      'click-to-dial: rings the agent, then the customer; both up is answered; hang-up ends it and saves the record',
      async () => {
        const { callId, agent, customer } = await clickToDialAnswered();
        expect(story(callId)).toEqual(['call.ringing ringing', 'call.answered answered']);
        await h.engine.hangup(callId);
        await h.advance(0);
        expect(story(callId)).toEqual([
          'call.ringing ringing',
          'call.answered answered',
          'call.ended ended normal',
        ]);
        const record = await h.engine.get(callId);
        expect(record).toMatchObject({ status: 'ended', endReason: 'normal', from: AGENT, to: CUSTOMER });
        expect(record.legs.map((l) => [l.id, l.role, l.status, l.endReason])).toEqual([
          [agent, 'caller', 'ended', 'normal'],
          [customer, 'callee', 'ended', 'normal'],
        ]);
        expect(h.engine.liveCount).toBe(0);
      },
    );

    scenario(
      ['ringing'],
      'a dialled phone that rings (SIP 180) is call.leg.ringing, after call.ringing placed the call',
      async () => {
        const call = await h.engine.originate({ from: AGENT, to: CUSTOMER });
        const rang = () =>
          events
            .filter((e) => e.callId === call.id && e.type === 'call.leg.ringing')
            .map((e) => {
              const data = e.data as { legId: string; role: string };
              return `${data.legId} ${data.role}`;
            });
        const agent = await h.dialled(AGENT);
        expect(events.filter((e) => e.callId === call.id).map((e) => e.type)).toEqual([
          'call.ringing',
          'call.leg.ringing',
        ]);
        expect(rang()).toEqual([`${agent} caller`]);
        await h.partyAnswer(agent);
        const customer = await h.dialled(CUSTOMER);
        expect(rang()).toEqual([`${agent} caller`, `${customer} callee`]);
        await h.partyAnswer(customer);
        expect(rang()).toHaveLength(2);
      },
    );

    scenario(
      [],
      'click-to-dial: the customer who hangs up ends it normal, with both legs ended',
      async () => {
        const { callId, agent, customer } = await clickToDialAnswered();
        await h.advance(7_000);
        await h.partyHangup(customer);
        expect(story(callId)).toEqual([
          'call.ringing ringing',
          'call.answered answered',
          'call.ended ended normal',
        ]);
        const record = await h.engine.get(callId);
        expect(record).toMatchObject({ status: 'ended', endReason: 'normal', duration: 7 });
        expect(record.legs.map((l) => [l.id, l.status, l.endReason])).toEqual([
          [agent, 'ended', 'normal'],
          [customer, 'ended', 'normal'],
        ]);
        expect(h.engine.liveCount).toBe(0);
      },
    );

    scenario([], 'click-to-dial to a busy customer: the agent was up, the call fails busy', async () => {
      const call = await h.engine.originate({ from: AGENT, to: CUSTOMER });
      const agent = await h.dialled(AGENT);
      await h.partyAnswer(agent);
      await h.partyBusy(await h.dialled(CUSTOMER));
      // Where the driver plays, the agent hears a tone first (see call-refusal.ts).
      await h.advance(2_000);
      expect(story(call.id)).toEqual(['call.ringing ringing', 'call.failed failed busy']);
      expect((await h.engine.get(call.id)).legs.map((l) => l.endReason)).toEqual(['busy', 'busy']);
      expect(h.engine.liveCount).toBe(0);
    });

    scenario(['inbound'], 'inbound: the caller rings until answered, then hangs up', async () => {
      const { callId, caller } = await inboundAnswered();
      expect(story(callId)).toEqual(['call.ringing ringing', 'call.answered answered']);
      await h.partyHangup(caller);
      expect(story(callId)).toEqual([
        'call.ringing ringing',
        'call.answered answered',
        'call.ended ended normal',
      ]);
      expect(await h.engine.get(callId)).toMatchObject({ direction: 'inbound', from: CALLER, to: DID });
    });

    scenario(['inbound'], 'inbound: the caller hears ringback while nobody has answered', async () => {
      const caller = await h.placeInbound(CALLER, DID);
      expect(h.ringback(caller)).toBe(true);
      const callId = events.find((e) => e.type === 'call.ringing')?.callId ?? '';
      await h.engine.answer(callId);
      await h.advance(0);
      expect(story(callId)).toEqual(['call.ringing ringing', 'call.answered answered']);
    });

    scenario(['hold', 'hangup'], 'hold and unhold: the customer hears music on hold in between', async () => {
      const { callId, customer } = await clickToDialAnswered();
      await h.engine.hold(callId);
      expect(h.onHold(customer)).toBe(true);
      await h.engine.unhold(callId);
      expect(h.onHold(customer)).toBe(false);
      await h.engine.hangup(callId);
      await h.advance(0);
      expect(story(callId)).toEqual([
        'call.ringing ringing',
        'call.answered answered',
        'call.held on_hold',
        'call.unheld answered',
        'call.ended ended normal',
      ]);
    });

    scenario(
      ['transfer'],
      'blind transfer: the agent leaves, the customer is connected to the transfer target',
      async () => {
        const { callId, agent, customer } = await clickToDialAnswered();
        const bridgeId = `${callId}-bridge`;
        expect((await h.engine.get(callId)).bridges).toMatchObject([
          { id: bridgeId, kind: 'main', members: [agent, customer] },
        ]);
        await h.engine.transfer(callId, TRANSFER_TO);
        await h.advance(0);
        const target = await h.dialled(TRANSFER_TO);
        const transferring = await h.engine.get(callId);
        expect(transferring.transfers).toMatchObject([
          { kind: 'blind', status: 'ringing', to: TRANSFER_TO, targetLegId: target },
        ]);
        expect(transferring.bridges).toMatchObject([{ id: bridgeId, members: [customer] }]);
        await h.partyAnswer(target);
        const call = await h.engine.get(callId);
        expect(call.legs.find((l) => l.id === agent)).toMatchObject({
          status: 'ended',
          endReason: 'transferred',
        });
        expect(call.legs.find((l) => l.id === agent)?.bridge).toBeUndefined();
        expect(call.legs.find((l) => l.id === target)?.bridge).toEqual({ bridgeId, role: 'normal' });
        expect(call.bridges).toMatchObject([{ id: bridgeId, kind: 'main', members: [customer, target] }]);
        expect(call.transfers).toEqual([
          {
            id: expect.any(String),
            kind: 'blind',
            status: 'completed',
            to: TRANSFER_TO,
            from: AGENT,
            targetLegId: target,
            startedAt: call.transferInitiatedAt,
            endedAt: expect.any(String),
          },
        ]);
        await h.partyHangup(target);
        expect(story(callId)).toEqual([
          'call.ringing ringing',
          'call.answered answered',
          `call.transferring transferring ${TRANSFER_TO}`,
          `call.transferred answered ${TRANSFER_TO}`,
          'call.ended ended normal',
        ]);
        const record = await h.engine.get(callId);
        expect(record.bridges).toEqual([
          {
            id: bridgeId,
            kind: 'main',
            createdAt: expect.any(String),
            destroyedAt: record.endedAt,
            members: [],
          },
        ]);
        expect(record.transfers?.map((t) => t.status)).toEqual(['completed']);
      },
    );

    scenario(
      ['transfer'],
      'a blind transfer to a busy target is recorded as failed with busy, and the call ends',
      async () => {
        const { callId } = await clickToDialAnswered();
        await h.engine.transfer(callId, TRANSFER_TO);
        await h.advance(0);
        const target = await h.dialled(TRANSFER_TO);
        await h.partyBusy(target);
        const record = await h.engine.get(callId);
        expect(record).toMatchObject({ status: 'ended', transferTo: TRANSFER_TO });
        expect(record.transfers).toMatchObject([
          { status: 'failed', endReason: 'busy', targetLegId: target, endedAt: record.endedAt },
        ]);
      },
    );

    scenario(
      ['inbound', 'dtmf', 'hangup'],
      'DTMF: digits the caller presses come in, digits sent go out to the caller',
      async () => {
        const { callId, caller } = await inboundAnswered();
        await h.partyDtmf(caller, '4');
        await h.partyDtmf(caller, '2');
        await h.engine.sendDtmf(callId, '9#');
        await h.advance(0);
        expect(h.dtmfReceived(caller)).toBe('9#');
        await h.engine.hangup(callId);
        await h.advance(0);
        expect(story(callId)).toEqual([
          'call.ringing ringing',
          'call.answered answered',
          'call.dtmf answered in 4',
          'call.dtmf answered in 2',
          'call.dtmf answered out 9',
          'call.dtmf answered out #',
          'call.ended ended normal',
        ]);
      },
    );

    scenario(
      ['inbound', 'queue'],
      'enqueue: a ringing caller is answered and waits in the queue with music on hold',
      async () => {
        const { callId, caller } = await inboundQueued();
        expect(story(callId)).toEqual(['call.ringing ringing', `call.queued queued ${QUEUE}`]);
        expect(h.onHold(caller)).toBe(true);
        expect(await h.engine.get(callId)).toMatchObject({
          status: 'queued',
          queueId: QUEUE,
          legs: [{ id: caller, role: 'caller', status: 'answered' }],
        });
      },
    );

    scenario(
      ['inbound', 'queue'],
      'offer: the agent answers, the caller leaves hold and both are joined in the main bridge',
      async () => {
        const { callId, caller } = await inboundQueued();
        const legId = await offerTo(callId);
        const agent = await h.dialled(AGENT);
        expect(agent).toBe(legId);
        await h.partyAnswer(agent);
        expect(h.onHold(caller)).toBe(false);
        const call = await h.engine.get(callId);
        expect(call).toMatchObject({ status: 'answered', agentId: AGENT_ID });
        expect(call.bridges).toMatchObject([{ kind: 'main', members: [caller, agent] }]);
        await h.partyHangup(caller);
        expect(story(callId)).toEqual([
          'call.ringing ringing',
          `call.queued queued ${QUEUE}`,
          `call.offered ringing ${AGENT_ID}`,
          `call.offer.accepted ringing ${AGENT_ID}`,
          'call.answered answered',
          'call.ended ended normal',
        ]);
      },
    );

    scenario(
      ['inbound', 'queue'],
      'offer: an agent who lets it ring out ends the offer with no_answer; the caller waits again',
      async () => {
        const { callId, caller } = await inboundQueued();
        await offerTo(callId, 10_000);
        const agent = await h.dialled(AGENT);
        await h.advance(10_000);
        expect(story(callId)).toEqual([
          'call.ringing ringing',
          `call.queued queued ${QUEUE}`,
          `call.offered ringing ${AGENT_ID}`,
          `call.offer.ended queued ${AGENT_ID} no_answer`,
        ]);
        expect(h.onHold(caller)).toBe(true);
        const call = await h.engine.get(callId);
        expect(call.legs.find((l) => l.id === agent)).toMatchObject({
          status: 'ended',
          endReason: 'no_answer',
        });
      },
    );

    scenario(
      ['inbound', 'queue'],
      'withdrawOffer: the ringing agent is hung up, the offer ends canceled and the caller waits again',
      async () => {
        const { callId, caller } = await inboundQueued();
        const legId = await offerTo(callId);
        const agent = await h.dialled(AGENT);
        await h.engine.withdrawOffer(callId, legId);
        await h.advance(0);
        expect(story(callId)).toEqual([
          'call.ringing ringing',
          `call.queued queued ${QUEUE}`,
          `call.offered ringing ${AGENT_ID}`,
          `call.offer.ended queued ${AGENT_ID} canceled`,
        ]);
        expect(h.onHold(caller)).toBe(true);
        expect(h.live(agent)).toBe(false);
        // Withdrawing again (the offer is over) changes nothing.
        await h.engine.withdrawOffer(callId, legId);
        await h.advance(0);
        expect(story(callId)).toHaveLength(4);
      },
    );

    scenario(
      ['inbound', 'queue'],
      'withdrawAgent: a ringing offer is withdrawn; once the agent has answered it is theirs',
      async () => {
        const { callId } = await inboundQueued();
        await offerTo(callId);
        const first = await h.dialled(AGENT);
        expect(await h.engine.withdrawAgent(callId, AGENT_ID)).toBe('withdrawn');
        await h.advance(0);
        expect(h.live(first)).toBe(false);
        expect(await h.engine.withdrawAgent(callId, AGENT_ID)).toBe('nothing');
        await offerTo(callId);
        await h.partyAnswer(await h.dialled(AGENT));
        expect(await h.engine.withdrawAgent(callId, AGENT_ID)).toBe('answered');
        expect(await h.engine.get(callId)).toMatchObject({ status: 'answered', agentId: AGENT_ID });
      },
    );

    scenario(
      ['inbound', 'playback'],
      'play: a prompt plays to the caller and its end comes back with the playback id',
      async () => {
        const { callId } = await inboundAnswered();
        const playbackId = await h.engine.play(callId, 'sound:hello-world');
        await h.advance(999);
        expect(events.some((e) => e.type === 'call.playback.finished')).toBe(false);
        await h.advance(1);
        const finished = events.filter((e) => e.type === 'call.playback.finished');
        expect(finished.map((e) => [e.callId, (e.data as { playbackId: string }).playbackId])).toEqual([
          [callId, playbackId],
        ]);
        expect((await h.engine.get(callId)).status).toBe('answered');
      },
    );

    scenario(
      ['inbound', 'recording'],
      'record: the caller is recorded up to the longest duration asked, then its end comes back',
      async () => {
        const { callId } = await inboundAnswered();
        const recordingId = await h.engine.record(callId, { maxDurationMs: 5_000 });
        await h.advance(4_999);
        expect(events.some((e) => e.type === 'call.recording.finished')).toBe(false);
        await h.advance(1);
        const finished = events.filter((e) => e.type === 'call.recording.finished');
        expect(finished.map((e) => e.data)).toMatchObject([{ recordingId, durationMs: 5_000 }]);
        expect(finished[0]?.callId).toBe(callId);
      },
    );

    scenario(
      ['inbound', 'recording'],
      'record: stopping a recording early ends it with the time recorded so far',
      async () => {
        const { callId } = await inboundAnswered();
        const recordingId = await h.engine.record(callId, { maxDurationMs: 60_000 });
        await h.advance(2_000);
        await h.engine.stopRecording(callId, recordingId);
        await h.advance(0);
        const finished = events.filter((e) => e.type === 'call.recording.finished');
        expect(finished.map((e) => e.data)).toMatchObject([{ recordingId, durationMs: 2_000 }]);
      },
    );

    scenario(
      ['recording'],
      'call recording: paused and resumed, its file lasts the time recorded, pauses left out',
      async () => {
        const { callId } = await clickToDialAnswered();
        const started = await h.engine.recordings.start(callId, 'on_demand');
        const recordingId = started.recordings?.[0]?.id ?? '';
        expect(started.recordings).toMatchObject([
          { state: 'recording', reason: 'on_demand', durationMs: 0 },
        ]);
        await h.advance(3_000);
        expect((await h.engine.recordings.pause(callId)).recordings?.[0]).toMatchObject({
          state: 'paused',
          durationMs: 3_000,
        });
        await h.advance(2_000);
        await h.engine.recordings.resume(callId, recordingId);
        await h.advance(2_000);
        const stopped = await h.engine.recordings.stop(callId);
        expect(stopped.recordings).toEqual([
          {
            id: recordingId,
            state: 'stopped',
            reason: 'on_demand',
            startedAt: started.recordings?.[0]?.startedAt,
            endedAt: expect.any(String),
            durationMs: 5_000,
          },
        ]);
        await h.advance(0);
        expect(story(callId)).toEqual([
          'call.ringing ringing',
          'call.answered answered',
          'call.recording.started answered',
          'call.recording.paused answered',
          'call.recording.resumed answered',
          'call.recording.stopped answered',
        ]);
        const wav = readWav(await bytesOf((await h.engine.recordings.file(recordingId)).body));
        expect(wav).toMatchObject({ format: 1, channels: 1, sampleRate: 8_000, bitsPerSample: 16 });
        expect(wav.durationMs).toBe(5_000);
        await h.engine.recordings.remove(recordingId);
        await expect(h.engine.recordings.file(recordingId)).rejects.toMatchObject({
          code: 'RECORDING_NOT_FOUND',
        });
      },
    );

    scenario(
      ['inbound', 'recording'],
      'call recording: a caller who hangs up ends it first; the record keeps its duration and its file',
      async () => {
        const { callId, caller } = await inboundAnswered();
        await h.engine.recordings.start(callId, 'route');
        await h.advance(4_000);
        await h.partyHangup(caller);
        expect(story(callId)).toEqual([
          'call.ringing ringing',
          'call.answered answered',
          'call.recording.started answered',
          'call.recording.stopped answered',
          'call.ended ended normal',
        ]);
        const record = await h.engine.get(callId);
        expect(record.recordings).toMatchObject([{ state: 'stopped', reason: 'route', durationMs: 4_000 }]);
        const file = await h.engine.recordings.file(record.recordings?.[0]?.id ?? '');
        expect(readWav(await bytesOf(file.body)).durationMs).toBe(4_000);
      },
    );

    scenario(
      ['recording', 'hangup'],
      'call recording: hanging up stops it before the call ends',
      async () => {
        const { callId } = await clickToDialAnswered();
        await h.engine.recordings.start(callId, 'emergency');
        await h.advance(1_500);
        await h.engine.hangup(callId);
        await h.advance(0);
        expect(story(callId).slice(2)).toEqual([
          'call.recording.started answered',
          'call.recording.stopped answered',
          'call.ended ended normal',
        ]);
        expect((await h.engine.get(callId)).recordings).toMatchObject([
          { state: 'stopped', durationMs: 1_500 },
        ]);
      },
    );

    scenario(
      ['recording'],
      'call recording: refused while ringing, twice at once, paused twice, or by an unknown id',
      async () => {
        const ringing = await h.engine.originate({ to: CUSTOMER });
        await h.dialled(CUSTOMER);
        await expect(h.engine.recordings.start(ringing.id, 'on_demand')).rejects.toMatchObject({
          code: 'INVALID_STATE',
          details: { status: 'ringing' },
        });
        const { callId } = await clickToDialAnswered();
        await expect(h.engine.recordings.stop(callId)).rejects.toMatchObject({ code: 'INVALID_STATE' });
        const call = await h.engine.recordings.start(callId, 'on_demand');
        const recordingId = call.recordings?.[0]?.id ?? '';
        await expect(h.engine.recordings.start(callId, 'on_demand')).rejects.toMatchObject({
          code: 'INVALID_STATE',
          details: { recordingId },
        });
        await h.engine.recordings.pause(callId);
        await expect(h.engine.recordings.pause(callId)).rejects.toMatchObject({
          code: 'INVALID_STATE',
          details: { state: 'paused', action: 'pause' },
        });
        await expect(h.engine.recordings.stop(callId, 'no-such-recording')).rejects.toMatchObject({
          code: 'RECORDING_NOT_FOUND',
        });
        // A recording still running has no file yet.
        await expect(h.engine.recordings.file(recordingId)).rejects.toMatchObject({
          code: 'RECORDING_NOT_FOUND',
        });
      },
    );

    scenario([], 'a busy customer fails the call with busy', async () => {
      const call = await h.engine.originate({ to: CUSTOMER });
      const customer = await h.dialled(CUSTOMER);
      await h.partyBusy(customer);
      expect(story(call.id)).toEqual(['call.ringing ringing', 'call.failed failed busy']);
      expect(await h.engine.get(call.id)).toMatchObject({ status: 'failed', endReason: 'busy' });
    });

    scenario(
      ['reconnect'],
      'an answered call whose party vanished while the connection was down ends network_error',
      async () => {
        const { callId, customer } = await clickToDialAnswered();
        await h.partyLost(customer);
        expect(story(callId)).toEqual([
          'call.ringing ringing',
          'call.answered answered',
          'call.ended ended network_error',
        ]);
        const record = await h.engine.get(callId);
        expect(record).toMatchObject({ status: 'ended', endReason: 'network_error' });
        expect(record.legs.find((l) => l.id === customer)).toMatchObject({ endReason: 'network_error' });
        expect(h.engine.liveCount).toBe(0);
      },
    );

    scenario(
      ['inbound', 'reconnect'],
      'an answered inbound call ends network_error when the phone system dies mid-call',
      async () => {
        const { callId } = await inboundAnswered();
        await h.pbxRestart();
        expect(story(callId)).toEqual([
          'call.ringing ringing',
          'call.answered answered',
          'call.ended ended network_error',
        ]);
      },
    );

    scenario(
      ['playback'],
      'click-to-dial to a number the phone system cannot dial: the dispatcher hears a tone, then the call fails invalid_number',
      async () => {
        h.unknownParty(CUSTOMER);
        const call = await h.engine.originate({ from: AGENT, to: CUSTOMER });
        const agent = await h.dialled(AGENT);
        await h.partyAnswer(agent);
        expect(h.played(agent)).toEqual(['tone:congestion']);
        await h.advance(2_000);
        expect(story(call.id)).toEqual(['call.ringing ringing', 'call.failed failed invalid_number']);
        const record = await h.engine.get(call.id);
        expect(record).toMatchObject({ status: 'failed', endReason: 'invalid_number' });
        expect(record.legs).toMatchObject([
          { id: agent, role: 'caller', status: 'ended', endReason: 'invalid_number' },
          { role: 'callee', status: 'ended', endReason: 'invalid_number' },
        ]);
        expect(h.engine.liveCount).toBe(0);
      },
    );

    scenario(
      ['queue', 'playback'],
      'a queued call whose number cannot be dialled: the agent who took it hears a tone, then it fails',
      async () => {
        h.unknownParty(CUSTOMER);
        const call = await h.engine.createQueued({ to: CUSTOMER, queueId: 'q1' });
        await h.engine.offer(call.id, { agentId: 'a1', endpoint: AGENT, timeoutMs: 20_000 });
        const agent = await h.dialled(AGENT);
        await h.partyAnswer(agent);
        expect(h.played(agent)).toEqual(['tone:congestion']);
        await h.advance(2_000);
        expect(story(call.id).at(-1)).toBe('call.failed failed invalid_number');
        expect(await h.engine.get(call.id)).toMatchObject({ status: 'failed', endReason: 'invalid_number' });
      },
    );

    scenario(
      ['playback'],
      'the dispatcher who hangs up during the tone does not change why the call ended',
      async () => {
        h.unknownParty(CUSTOMER);
        const call = await h.engine.originate({ from: AGENT, to: CUSTOMER });
        const agent = await h.dialled(AGENT);
        await h.partyAnswer(agent);
        await h.partyHangup(agent);
        expect(story(call.id)).toEqual(['call.ringing ringing', 'call.failed failed invalid_number']);
        await h.advance(2_000);
        expect(story(call.id)).toHaveLength(2);
      },
    );

    scenario(
      [],
      'a customer who never answers fails the call with no_answer at the ring timeout',
      async () => {
        const call = await h.engine.originate({ to: CUSTOMER, ringTimeoutMs: 20_000 });
        const customer = await h.dialled(CUSTOMER);
        await h.advance(19_999);
        expect(story(call.id)).toEqual(['call.ringing ringing']);
        await h.advance(1);
        expect(story(call.id)).toEqual(['call.ringing ringing', 'call.failed failed no_answer']);
        const record = await h.engine.get(call.id);
        expect(record.legs).toMatchObject([{ id: customer, status: 'ended', endReason: 'no_answer' }]);
      },
    );
  });
}
