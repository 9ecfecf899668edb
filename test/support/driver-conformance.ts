import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Address } from '../../src/core/call.ts';
import { DriverError, type DriverEvent, type TelephonyDriver } from '../../src/telephony/driver.ts';
import { bytesOf, readWav } from './wav.ts';

/**
 * What the conformance suite needs to drive one telephony driver: the driver (not started), a way to
 * let time pass, and hands on the far end of its calls.
 */
export interface DriverHarness {
  readonly driver: TelephonyDriver;
  /** An address whose party rings until the harness makes it answer or hang up. */
  readonly quietTarget: Address;
  /** Lets `ms` of time pass (virtual or real) and every event it causes arrive. */
  advance(ms: number): Promise<void>;
  /** The remote party of a ringing outbound channel answers. */
  partyAnswer(channelId: string): Promise<void>;
  /** The remote party of a channel hangs up. */
  partyHangup(channelId: string): Promise<void>;
  /** A caller dials in from `from` to `to`; the driver then reports `channel.inbound`. */
  placeInbound(from: string, to: string): Promise<void>;
  /** Frees what the harness made; called after each test, once the driver is stopped. */
  dispose(): Promise<void>;
}

/** The longest the suite waits for something the driver owes it, in harness time. */
const PATIENCE_MS = 15_000;
const STEP_MS = 50;

type ChannelEvent = Extract<DriverEvent, { channelId: string }>;

/**
 * The driver contract of `src/telephony/driver.ts`, as a suite any driver runs with its own harness:
 * the simulator with its virtual clock, a real driver against a PBX or a fake of one.
 */
export function driverConformance(name: string, makeHarness: () => Promise<DriverHarness>): void {
  describe(`driver conformance: ${name}`, () => {
    let h: DriverHarness;
    let driver: TelephonyDriver;
    let events: DriverEvent[];
    let unsubscribe: () => void;
    const run = randomUUID().slice(0, 8);
    let n = 0;
    const id = (what: string) => `conf-${run}-${what}-${++n}`;

    const forChannel = (channelId: string) =>
      events.filter((e): e is ChannelEvent => 'channelId' in e && e.channelId === channelId);
    const typesOf = (channelId: string) => forChannel(channelId).map((e) => e.type);
    const hangupOf = (channelId: string) =>
      forChannel(channelId).find((e) => e.type === 'channel.hangup') as
        | Extract<DriverEvent, { type: 'channel.hangup' }>
        | undefined;

    /** Waits, in harness time, until `seen` holds; the simulator answers at once without moving time. */
    async function until(what: string, seen: () => boolean): Promise<void> {
      for (let waited = 0; !seen(); waited += STEP_MS) {
        if (waited >= PATIENCE_MS) throw new Error(`gave up waiting for ${what}`);
        await h.advance(STEP_MS);
      }
    }
    const untilEvent = (channelId: string, type: ChannelEvent['type']) =>
      until(`${type} on ${channelId}`, () => typesOf(channelId).includes(type));

    async function ringing(timeoutMs?: number): Promise<string> {
      const channelId = id('out');
      await driver.originate({
        channelId,
        endpoint: h.quietTarget,
        callerId: '+15550001111',
        ...(timeoutMs !== undefined && { timeoutMs }),
      });
      await untilEvent(channelId, 'channel.ringing');
      return channelId;
    }

    async function answered(): Promise<string> {
      const channelId = await ringing();
      await h.partyAnswer(channelId);
      await untilEvent(channelId, 'channel.answered');
      return channelId;
    }

    async function rejects(kind: DriverError['kind'], promise: Promise<unknown>): Promise<void> {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, `expected a DriverError ${kind}`).toBeInstanceOf(DriverError);
      expect((error as DriverError).kind).toBe(kind);
    }

    beforeEach(async () => {
      h = await makeHarness();
      driver = h.driver;
      events = [];
      unsubscribe = driver.onEvent((event) => events.push(event));
      await driver.start();
    });

    afterEach(async () => {
      await driver.stop();
      unsubscribe();
      // The contract's invariant, checked after every test: at most one hangup, and it comes last.
      const channels = new Set(
        events.filter((e): e is ChannelEvent => 'channelId' in e).map((e) => e.channelId),
      );
      for (const channelId of channels) {
        const types = typesOf(channelId);
        const hangups = types.filter((t) => t === 'channel.hangup').length;
        expect(hangups, `hangups of ${channelId}: ${types.join(', ')}`).toBeLessThanOrEqual(1);
        if (hangups) expect(types.at(-1), `last event of ${channelId}`).toBe('channel.hangup');
      }
      await h.dispose();
    });

    it('reports driver.connected on start and driver.disconnected on stop', async () => {
      expect(events.map((e) => e.type)).toEqual(['driver.connected']);
      await driver.stop();
      const last = events.at(-1);
      expect(last?.type).toBe('driver.disconnected');
      expect(last?.type === 'driver.disconnected' && typeof last.reason).toBe('string');
    });

    it('declares what it can do', () => {
      const caps = driver.capabilities;
      expect(typeof driver.name).toBe('string');
      for (const key of ['hold', 'dtmf', 'redirect', 'mute', 'playback', 'recording'] as const) {
        expect(typeof caps[key]).toBe('boolean');
      }
      expect(caps.bridgeRoles).toContain('normal');
    });

    it('rings an originated channel, reports its answer, and hangs it up with the cause given', async () => {
      const channelId = await answered();
      await driver.hangup(channelId, 'normal');
      await untilEvent(channelId, 'channel.hangup');
      expect(typesOf(channelId)).toEqual(['channel.ringing', 'channel.answered', 'channel.hangup']);
      expect(hangupOf(channelId)?.cause).toBe('normal');
    });

    it('cancels a ringing channel with the cause the engine gives', async () => {
      const channelId = await ringing();
      await driver.hangup(channelId, 'canceled');
      await untilEvent(channelId, 'channel.hangup');
      expect(typesOf(channelId)).toEqual(['channel.ringing', 'channel.hangup']);
      expect(hangupOf(channelId)?.cause).toBe('canceled');
    });

    it('gives up on a ringing channel with no_answer after the originate timeout', async () => {
      const channelId = await ringing(2_000);
      await h.advance(1_500);
      expect(typesOf(channelId)).not.toContain('channel.hangup');
      await untilEvent(channelId, 'channel.hangup');
      expect(hangupOf(channelId)?.cause).toBe('no_answer');
      expect(typesOf(channelId)).not.toContain('channel.answered');
    });

    it('reports the remote party hanging up as cause normal', async () => {
      const channelId = await answered();
      await h.partyHangup(channelId);
      await untilEvent(channelId, 'channel.hangup');
      expect(hangupOf(channelId)?.cause).toBe('normal');
    });

    it('announces an inbound caller, reports the answer, and its hang-up', async () => {
      const from = '+15557770042';
      await h.placeInbound(from, '+15550000100');
      await until('channel.inbound', () => events.some((e) => e.type === 'channel.inbound'));
      const inbound = events.find((e) => e.type === 'channel.inbound');
      if (inbound?.type !== 'channel.inbound') throw new Error('no channel.inbound');
      expect(inbound).toMatchObject({ from, to: '+15550000100' });
      const channelId = inbound.channelId;
      await driver.ring(channelId);
      await driver.answer(channelId);
      await untilEvent(channelId, 'channel.answered');
      await h.partyHangup(channelId);
      await untilEvent(channelId, 'channel.hangup');
      expect(typesOf(channelId)).toEqual(['channel.inbound', 'channel.answered', 'channel.hangup']);
      expect(hangupOf(channelId)?.cause).toBe('normal');
    });

    it('confirms a commanded hold by resolving, without channel.held', async () => {
      const channelId = await answered();
      await driver.hold(channelId);
      await driver.unhold(channelId);
      await driver.sendDtmf(channelId, '12#');
      expect(typesOf(channelId)).toEqual(['channel.ringing', 'channel.answered']);
    });

    it('bridges channels with every role it declares, and takes them out again', async () => {
      const bridgeId = id('bridge');
      await driver.createBridge(bridgeId);
      const members: string[] = [];
      for (const role of driver.capabilities.bridgeRoles) {
        const channelId = await answered();
        await driver.addToBridge(bridgeId, channelId, role);
        members.push(channelId);
      }
      await driver.removeFromBridge(bridgeId, members[0]!);
      await driver.destroyBridge(bridgeId);
      await rejects('not_found', driver.destroyBridge(bridgeId));
      for (const channelId of members) expect(typesOf(channelId)).not.toContain('channel.hangup');
    });

    it('answers not_found for channels that do not exist or have ended', async () => {
      const bridgeId = id('bridge');
      await driver.createBridge(bridgeId);
      const gone = await answered();
      await driver.hangup(gone, 'normal');
      await untilEvent(gone, 'channel.hangup');
      for (const channelId of [id('nobody'), gone]) {
        await rejects('not_found', driver.answer(channelId));
        await rejects('not_found', driver.ring(channelId));
        await rejects('not_found', driver.hangup(channelId, 'normal'));
        await rejects('not_found', driver.hold(channelId));
        await rejects('not_found', driver.unhold(channelId));
        await rejects('not_found', driver.sendDtmf(channelId, '1'));
        await rejects('not_found', driver.redirect(channelId, h.quietTarget));
        await rejects('not_found', driver.play(channelId, id('playback'), 'sound:beep'));
        await rejects('not_found', driver.addToBridge(bridgeId, channelId));
        await rejects('not_found', driver.startRecording({ kind: 'channel', id: channelId }, id('rec')));
      }
      expect(typesOf(gone).filter((t) => t === 'channel.hangup')).toHaveLength(1);
    });

    it('answers not_found for bridges, playbacks and recordings that do not exist', async () => {
      const channelId = await answered();
      const bridgeId = id('nobridge');
      await rejects('not_found', driver.destroyBridge(bridgeId));
      await rejects('not_found', driver.addToBridge(bridgeId, channelId));
      await rejects('not_found', driver.removeFromBridge(bridgeId, channelId));
      await rejects('not_found', driver.startRecording({ kind: 'bridge', id: bridgeId }, id('rec')));
      await rejects('not_found', driver.stopPlayback(id('noplayback')));
      await rejects('not_found', driver.stopRecording(id('norec')));
    });

    it('reports playback.finished when a prompt ends, and at once when it is stopped', async () => {
      const channelId = await answered();
      const played = id('playback');
      await driver.play(channelId, played, 'sound:beep');
      await until('playback.finished', () =>
        events.some((e) => e.type === 'playback.finished' && e.playbackId === played),
      );
      const stopped = id('playback');
      await driver.play(channelId, stopped, 'sound:hello-world');
      await driver.stopPlayback(stopped);
      await until('stopped playback.finished', () =>
        events.some((e) => e.type === 'playback.finished' && e.playbackId === stopped),
      );
      expect(events.filter((e) => e.type === 'playback.finished')).toEqual([
        { type: 'playback.finished', playbackId: played, channelId },
        { type: 'playback.finished', playbackId: stopped, channelId },
      ]);
    });

    it('reports recording.finished with its duration when stopped', async () => {
      const channelId = await answered();
      const recordingId = id('rec');
      await driver.startRecording({ kind: 'channel', id: channelId }, recordingId);
      await h.advance(1_000);
      await driver.stopRecording(recordingId);
      await until('recording.finished', () => events.some((e) => e.type === 'recording.finished'));
      const finished = events.find((e) => e.type === 'recording.finished');
      expect(finished).toMatchObject({ recordingId, target: { kind: 'channel', id: channelId } });
      expect(finished?.type === 'recording.finished' && finished.durationMs).toBeGreaterThanOrEqual(900);
    });

    it('leaves a pause out of a recording, and keeps its WAV file until removed', async () => {
      const channelId = await answered();
      const recordingId = id('rec');
      await driver.startRecording({ kind: 'channel', id: channelId }, recordingId);
      await h.advance(1_000);
      await driver.recordings.pause(recordingId);
      await h.advance(2_000);
      await driver.recordings.resume(recordingId);
      await h.advance(1_000);
      await driver.stopRecording(recordingId);
      await until('recording.finished', () => events.some((e) => e.type === 'recording.finished'));
      const finished = events.find((e) => e.type === 'recording.finished');
      const durationMs = finished?.type === 'recording.finished' ? finished.durationMs : -1;
      expect(durationMs).toBeGreaterThanOrEqual(1_900);
      expect(durationMs).toBeLessThan(2_900);
      const file = await driver.recordings.file(recordingId);
      expect(file.contentType).toBe('audio/wav');
      const wav = readWav(await bytesOf(file.body));
      expect(wav.durationMs).toBeGreaterThanOrEqual(1_900);
      expect(wav.durationMs).toBeLessThan(2_900);
      await driver.recordings.remove(recordingId);
      await rejects('not_found', driver.recordings.file(recordingId));
      await rejects('not_found', driver.recordings.pause(id('norec')));
    });

    it('finishes a channel recording when the channel hangs up, before its channel.hangup', async () => {
      const channelId = await answered();
      const recordingId = id('rec');
      await driver.startRecording({ kind: 'channel', id: channelId }, recordingId);
      await h.partyHangup(channelId);
      await untilEvent(channelId, 'channel.hangup');
      await until('recording.finished', () => events.some((e) => e.type === 'recording.finished'));
      const order = events.map((e) => e.type);
      expect(order.indexOf('recording.finished')).toBeLessThan(order.lastIndexOf('channel.hangup'));
    });

    it('makes a redirected channel leave with one channel.hangup', async () => {
      const channelId = await answered();
      await driver.redirect(channelId, { kind: 'number', value: '+15551239999' });
      await untilEvent(channelId, 'channel.hangup');
      expect(typesOf(channelId).filter((t) => t === 'channel.hangup')).toHaveLength(1);
    });

    it('ends every channel with exactly one channel.hangup, whoever ends it', async () => {
      const a = await answered();
      const b = await ringing();
      const c = await answered();
      const d = await ringing(1_000);
      await driver.hangup(a, 'normal');
      await driver.hangup(b, 'canceled');
      await h.partyHangup(c);
      for (const channelId of [a, b, c, d]) await untilEvent(channelId, 'channel.hangup');
      for (const channelId of [a, b, c, d]) {
        const types = typesOf(channelId);
        expect(
          types.filter((t) => t === 'channel.hangup'),
          channelId,
        ).toHaveLength(1);
        expect(types.at(-1)).toBe('channel.hangup');
      }
    });

    it('stops delivering to a listener once it unsubscribes', async () => {
      const seen: DriverEvent[] = [];
      const off = driver.onEvent((e) => seen.push(e));
      const first = await ringing();
      off();
      await driver.hangup(first, 'canceled');
      await untilEvent(first, 'channel.hangup');
      expect(seen.map((e) => e.type)).toEqual(['channel.ringing']);
    });

    it('refuses commands with unavailable while stopped', async () => {
      await driver.stop();
      await rejects('unavailable', driver.originate({ channelId: id('out'), endpoint: h.quietTarget }));
      await rejects('unavailable', driver.createBridge(id('bridge')));
    });
  });
}
