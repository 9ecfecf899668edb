import type { Address } from '../../core/call.ts';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import {
  type BridgeRole,
  type DriverCapabilities,
  DriverError,
  type DriverEvent,
  type HangupCause,
  type OriginateRequest,
  PBX_CAPABILITIES,
  type RecordingTarget,
  type TelephonyDriver,
} from '../driver.ts';
import { leaveBridge, SimBridges } from './bridges.ts';
import { type SimBridge, SimChannel, type SimChannelSnapshot } from './channel.ts';
import { ChannelBook } from './channel-book.ts';
import { checkCause, checkDelay, checkDigits, requireState } from './checks.ts';
import { SimEventQueue } from './event-queue.ts';
import { SimKeypad } from './keypad.ts';
import { SimMedia } from './media.ts';
import { SimPhones } from './phones.ts';
import {
  addressKindOf,
  FAILS_WITHOUT_RINGING,
  ProfileError,
  type ProfileRule,
  ProfileTable,
  parseProfileRule,
  parseProfileRules,
} from './profiles.ts';

export type { SimChannelSnapshot } from './channel.ts';
export { RECENT_ENDED_CHANNELS } from './channel-book.ts';
export {
  DEFAULT_ENDPOINT_PROFILE,
  DEFAULT_NUMBER_PROFILE,
  type PartyProfile,
  type ProfileRule,
} from './profiles.ts';

/** Outcomes a phone system reports without a 180 first: 486 Busy, 404 and the like, no route. */

const PARTY_DTMF_GAP_MS = 250;
const PARTY_DTMF_TONE_MS = 100;

type TimerKind = 'party' | 'deadline';

export interface SimulatorOptions {
  readonly clock: Clock;
  /** Rules in force from the start and again after {@link SimulatorDriver.reset}. */
  readonly profiles?: readonly ProfileRule[];
}

/**
 * A phone system that lives in the process. Remote parties follow their profiles (see
 * `profiles.ts`) or act on command (`party*` methods); all time goes through the injected clock.
 *
 * Choices where the contract leaves room, so that tests can rely on them:
 * - Events reach listeners only once the step that caused them is complete, in the order they
 *   happened (see {@link SimEventQueue}); a listener's error is rethrown to whoever caused the events
 *   (a command, a party method, or `clock.advance`).
 * - `originate` reports `channel.ringing` before it resolves, unless the party is busy, unreachable
 *   or not a valid number: as on Asterisk (transcripts `originate-busy`, `originate-unknown-endpoint`),
 *   such a channel fails without ever ringing. A party that rejects the call does so while it rings.
 *   A party move "after 0 ms" happens on the clock's next turn (`advance(0)` or later), never inside
 *   the command.
 * - When the party's move and the originate timeout fall due at the same instant, the party wins.
 * - Answering an inbound channel (`answer`) reports `channel.answered`, as ARI reports the state change.
 * - Commands other than `start` reject with `unavailable` until `start()` and after `stop()`.
 * - `stop()` is the phone system going away: live channels end with `network_error`, bridges go.
 */
export class SimulatorDriver implements TelephonyDriver {
  readonly name = 'simulator';
  readonly capabilities: DriverCapabilities = PBX_CAPABILITIES;
  readonly recordings: TelephonyDriver['recordings'];

  private readonly clock: Clock;
  private readonly profiles: ProfileTable;
  private readonly initialProfiles: readonly ProfileRule[];
  private readonly events = new SimEventQueue();
  private readonly media: SimMedia;
  private readonly keypad: SimKeypad;
  private readonly bridges: SimBridges;
  private readonly channelBook = new ChannelBook();
  private readonly phones = new SimPhones((event) => this.events.emit(event));
  private started = false;

  constructor(options: SimulatorOptions) {
    this.clock = options.clock;
    this.initialProfiles = parseProfileRules(options.profiles ?? [], 'simulator profiles');
    this.profiles = new ProfileTable(this.initialProfiles);
    const emit = (event: DriverEvent) => this.events.emit(event);
    const batch = (work: () => void) => this.events.batch(work);
    this.media = new SimMedia(this.clock, emit, batch);
    this.recordings = this.media.recordingControls(() => this.assertStarted());
    this.keypad = new SimKeypad(this.clock, emit, batch);
    this.bridges = new SimBridges((bridge) => this.media.bridgeGone(bridge));
  }

  // --- Profiles ---------------------------------------------------------------------------------

  /** Adds or replaces (same `match`) a rule; channels already placed keep the profile they had. */
  setProfile(rule: ProfileRule): void {
    try {
      this.profiles.set(parseProfileRule(rule, 'profile rule'));
    } catch (error) {
      if (error instanceof ProfileError) throw new DriverError('invalid', error.message);
      throw error;
    }
  }

  /** Removes the rule with exactly this `match`; false if there was none. */
  removeProfile(match: string): boolean {
    return this.profiles.remove(match);
  }

  /** The rules in force, in the order they were first set. */
  listProfiles(): ProfileRule[] {
    return this.profiles.list();
  }

  // --- Lifecycle and events ---------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.emit({ type: 'driver.connected' });
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.batch(() => {
      this.endEverything('network_error');
      this.started = false;
      this.emit({ type: 'driver.disconnected', reason: 'simulator stopped' });
    });
  }

  onEvent(listener: (event: DriverEvent) => void): () => void {
    return this.events.onEvent(listener);
  }

  /**
   * Ends every live channel (each still gets its `channel.hangup`, cause `normal`), destroys bridges,
   * clears every timer and restores the profiles given at construction. Stays started.
   */
  reset(): void {
    this.channelBook.forgetEnded();
    this.batch(() => this.endEverything('normal'));
    this.profiles.replaceAll(this.initialProfiles);
  }

  // --- Channel commands (the engine's side) -----------------------------------------------------

  async originate(request: OriginateRequest): Promise<void> {
    this.assertStarted();
    const { channelId, endpoint, timeoutMs } = request;
    if (typeof channelId !== 'string' || channelId === '') {
      throw new DriverError('invalid', 'originate needs a channel id');
    }
    if (this.channelBook.has(channelId)) {
      throw new DriverError('invalid', `channel id "${channelId}" is already in use`);
    }
    if (!endpoint?.value) throw new DriverError('invalid', 'originate needs an endpoint to dial');
    checkDelay('timeoutMs', timeoutMs);
    const kind = endpoint.kind === 'number' ? 'number' : 'endpoint';
    const profile = this.profiles.resolve(endpoint.value, kind);
    const ch = new SimChannel(
      channelId,
      'outbound',
      endpoint.value,
      undefined,
      request.callerId,
      profile,
      this.clock.now(),
    );
    ch.dialledEndpoint = kind === 'endpoint';
    this.channelBook.add(ch);
    const partyMoveAfter = profile.outcome === 'answer' ? profile.answerAfterMs : profile.failAfterMs;
    if (partyMoveAfter !== null) ch.partyTimer = this.arm(ch, partyMoveAfter, 'party');
    if (timeoutMs !== undefined) ch.deadline = this.arm(ch, timeoutMs, 'deadline');
    if (!FAILS_WITHOUT_RINGING.has(profile.outcome)) this.emit({ type: 'channel.ringing', channelId });
  }

  async answer(channelId: string): Promise<void> {
    const ch = this.commandTarget(channelId);
    if (ch.direction !== 'inbound') {
      throw new DriverError(
        'invalid',
        `channel "${channelId}" is outbound: only its remote party answers it`,
      );
    }
    requireState(ch, 'ringing', 'answer');
    this.batch(() => this.answerNow(ch));
  }

  async ring(channelId: string): Promise<void> {
    const ch = this.commandTarget(channelId);
    if (ch.direction !== 'inbound') {
      throw new DriverError('invalid', `channel "${channelId}" is outbound: ringback is for inbound callers`);
    }
    requireState(ch, 'ringing', 'ring');
  }

  async hangup(channelId: string, cause: HangupCause): Promise<void> {
    const ch = this.commandTarget(channelId);
    checkCause(cause);
    this.batch(() => this.end(ch, cause));
  }

  async hold(channelId: string): Promise<void> {
    const ch = this.commandTarget(channelId);
    requireState(ch, 'answered', 'hold');
    ch.held = true;
  }

  async unhold(channelId: string): Promise<void> {
    const ch = this.commandTarget(channelId);
    requireState(ch, 'answered', 'unhold');
    ch.held = false;
  }

  async sendDtmf(channelId: string, digits: string): Promise<void> {
    const ch = this.commandTarget(channelId);
    checkDigits(digits);
    requireState(ch, 'answered', 'send DTMF to');
    ch.dtmfReceived += digits;
  }

  /**
   * The channel is connected to `endpoint` outside the application, which the application sees as
   * the channel leaving: it leaves its bridge and gets `channel.hangup` with cause `normal`.
   */
  async redirect(channelId: string, endpoint: Address): Promise<void> {
    const ch = this.commandTarget(channelId);
    if (!endpoint?.value) throw new DriverError('invalid', 'redirect needs an endpoint');
    this.batch(() => this.end(ch, 'normal'));
  }

  // --- Bridges ----------------------------------------------------------------------------------

  async createBridge(bridgeId: string): Promise<void> {
    this.assertStarted();
    this.bridges.create(bridgeId);
  }

  /** Destroys a bridge; its channels stay up outside any bridge, its recordings finish. */
  async destroyBridge(bridgeId: string): Promise<void> {
    const bridge = this.bridgeTarget(bridgeId);
    this.batch(() => this.bridges.drop(bridge));
  }

  /** Adds a channel to a bridge (moving it out of another one); adding it again changes its role. */
  async addToBridge(bridgeId: string, channelId: string, role: BridgeRole = 'normal'): Promise<void> {
    this.bridges.add(this.bridgeTarget(bridgeId), this.commandTarget(channelId), role);
  }

  async removeFromBridge(bridgeId: string, channelId: string): Promise<void> {
    this.bridges.remove(this.bridgeTarget(bridgeId), this.commandTarget(channelId));
  }

  /** Mutes the party: nobody hears it (see `heardBy`); a channel's snapshot says `muted`. */
  async mute(channelId: string): Promise<void> {
    this.commandTarget(channelId).muted = true;
  }

  async unmute(channelId: string): Promise<void> {
    this.commandTarget(channelId).muted = false;
  }

  // --- Media ------------------------------------------------------------------------------------

  /** Plays for 1000 ms (`sound:`/`recording:` media) or 1000 ms + 50 ms per character of text. */
  async play(channelId: string, playbackId: string, media: string): Promise<void> {
    this.media.play(this.commandTarget(channelId), playbackId, media);
  }

  async stopPlayback(playbackId: string): Promise<void> {
    this.assertStarted();
    this.batch(() => this.media.stopPlayback(playbackId));
  }

  async startRecording(
    target: RecordingTarget,
    recordingId: string,
    options: { maxDurationMs?: number } = {},
  ): Promise<void> {
    let owner: SimChannel | SimBridge;
    if (target?.kind === 'channel') owner = this.commandTarget(target.id);
    else if (target?.kind === 'bridge') owner = this.bridgeTarget(target.id);
    else throw new DriverError('invalid', 'a recording target is { kind: "channel" | "bridge", id }');
    this.media.startRecording(target, owner, recordingId, options.maxDurationMs);
  }

  async stopRecording(recordingId: string): Promise<void> {
    this.assertStarted();
    this.batch(() => this.media.stopRecording(recordingId));
  }

  /** Reports a phone's registration (simulated phones are registered until unregistered). */
  async watchEndpoint(endpoint: Address): Promise<string> {
    this.assertStarted();
    return this.phones.watch(endpoint.value.trim());
  }

  // --- The remote parties (simulator controls) --------------------------------------------------

  /** A phone registers (`true`) or leaves (`false`): `endpoint.state` when that is a change. */
  setPhoneRegistered(endpoint: string, registered: boolean): void {
    this.phones.set(endpoint, registered);
  }

  /**
   * A remote caller dials in: emits `channel.inbound {from, to}`; the caller's profile (matched on
   * `from`) governs its DTMF after answer and when it hangs up. If the engine never answers, the
   * caller hangs up (cause `canceled`) after `abandonAfterMs` (default: never). Returns the channel id.
   */
  placeInboundCall(call: { from: string; to: string; abandonAfterMs?: number }): string {
    this.assertStarted();
    const { from, to, abandonAfterMs } = call;
    if (typeof from !== 'string' || from === '')
      throw new DriverError('invalid', 'an inbound call needs a from');
    if (typeof to !== 'string' || to === '') throw new DriverError('invalid', 'an inbound call needs a to');
    checkDelay('abandonAfterMs', abandonAfterMs);
    const channelId = this.channelBook.nextInboundId();
    const profile = this.profiles.resolve(from, addressKindOf(from));
    const ch = new SimChannel(channelId, 'inbound', from, to, undefined, profile, this.clock.now());
    this.channelBook.add(ch);
    if (abandonAfterMs !== undefined) ch.deadline = this.arm(ch, abandonAfterMs, 'deadline');
    this.emit({ type: 'channel.inbound', channelId, from, to });
    return channelId;
  }

  /** The remote party of a ringing outbound channel answers now. */
  partyAnswer(channelId: string): void {
    const ch = this.partyTarget(channelId);
    if (ch.direction !== 'outbound') {
      throw new DriverError('invalid', `channel "${channelId}" is inbound: the engine answers it`);
    }
    requireState(ch, 'ringing', 'answer');
    this.batch(() => this.answerNow(ch));
  }

  /** The remote party hangs up (cause `normal` unless told otherwise). */
  partyHangup(channelId: string, cause: HangupCause = 'normal'): void {
    const ch = this.partyTarget(channelId);
    checkCause(cause);
    this.batch(() => this.end(ch, cause));
  }

  /** The remote party of a ringing outbound channel declines it (cause `rejected` unless `busy`). */
  partyReject(channelId: string, cause: 'busy' | 'rejected' = 'rejected'): void {
    const ch = this.partyTarget(channelId);
    if (cause !== 'busy' && cause !== 'rejected') {
      throw new DriverError('invalid', `a party rejects with busy or rejected, not "${cause}"`);
    }
    if (ch.direction !== 'outbound') {
      throw new DriverError('invalid', `channel "${channelId}" is inbound: its caller can only hang up`);
    }
    requireState(ch, 'ringing', 'reject');
    this.batch(() => this.end(ch, cause));
  }

  /**
   * The remote party presses digits: the first now, then one every `interDigitMs` through the clock.
   * Digits pressed while others are still being sent follow them.
   */
  partySendDtmf(channelId: string, digits: string, interDigitMs = PARTY_DTMF_GAP_MS): void {
    const ch = this.partyTarget(channelId);
    checkDigits(digits);
    checkDelay('interDigitMs', interDigitMs);
    requireState(ch, 'answered', 'send DTMF from');
    const delay = ch.dtmfOut ? interDigitMs : 0;
    this.batch(() => this.keypad.press(ch, digits, delay, interDigitMs, PARTY_DTMF_TONE_MS));
  }

  /** The remote party puts the call on hold from its phone: emits `channel.held`. */
  partyHold(channelId: string): void {
    const ch = this.partyTarget(channelId);
    requireState(ch, 'answered', 'hold');
    if (ch.held) throw new DriverError('invalid', `channel "${channelId}" is on hold already`);
    ch.held = true;
    this.emit({ type: 'channel.held', channelId });
  }

  /** The remote party takes the call off hold: emits `channel.unheld`. */
  partyUnhold(channelId: string): void {
    const ch = this.partyTarget(channelId);
    requireState(ch, 'answered', 'unhold');
    if (!ch.held) throw new DriverError('invalid', `channel "${channelId}" is not on hold`);
    ch.held = false;
    this.emit({ type: 'channel.unheld', channelId });
  }

  /** A live channel, or one of the last `RECENT_ENDED_CHANNELS` that ended; undefined otherwise. */
  channel(channelId: string): SimChannelSnapshot | undefined {
    return this.channelBook.snapshot(channelId);
  }

  /** The live channels, oldest first. */
  channels(): SimChannelSnapshot[] {
    return this.channelBook.liveChannels().map((ch) => ch.snapshot());
  }

  // --- Inside -----------------------------------------------------------------------------------

  private arm(ch: SimChannel, ms: number, kind: TimerKind): TimerHandle {
    return this.clock.setTimer(ms, () => this.fire(ch, kind));
  }

  private fire(ch: SimChannel, kind: TimerKind): void {
    this.batch(() => {
      if (!ch.live) return;
      if (kind === 'deadline') {
        ch.deadline = undefined;
        if (ch.state === 'ringing') this.end(ch, ch.direction === 'outbound' ? 'no_answer' : 'canceled');
      } else {
        ch.partyTimer = undefined;
        if (ch.state === 'answered') this.end(ch, 'normal');
        else if (ch.profile.outcome === 'answer') this.answerNow(ch);
        else this.end(ch, ch.profile.outcome);
      }
    });
  }

  private answerNow(ch: SimChannel): void {
    ch.state = 'answered';
    this.cancel(ch.partyTimer);
    this.cancel(ch.deadline);
    ch.partyTimer = ch.deadline = undefined;
    const { hangupAfterMs, dtmf } = ch.profile;
    if (hangupAfterMs !== null) ch.partyTimer = this.arm(ch, hangupAfterMs, 'party');
    this.emit({ type: 'channel.answered', channelId: ch.id });
    if (dtmf) this.keypad.press(ch, dtmf.digits, dtmf.afterMs, dtmf.interDigitMs, dtmf.durationMs);
  }

  /** Ends a channel: everything it owns stops first, so `channel.hangup` is its last event. */
  private end(ch: SimChannel, cause: HangupCause): void {
    if (!ch.live) return;
    ch.state = 'ended';
    ch.cause = cause;
    ch.held = false;
    this.cancel(ch.partyTimer);
    this.cancel(ch.deadline);
    this.keypad.stop(ch);
    ch.partyTimer = ch.deadline = undefined;
    leaveBridge(ch);
    this.channelBook.retire(ch);
    this.media.channelGone(ch);
    this.emit({ type: 'channel.hangup', channelId: ch.id, cause });
  }

  private endEverything(cause: HangupCause): void {
    for (const ch of this.channelBook.liveChannels()) this.end(ch, cause);
    this.bridges.dropAll();
  }

  private cancel(timer: TimerHandle | undefined): void {
    if (timer) this.clock.clearTimer(timer);
  }

  private batch(work: () => void): void {
    this.events.batch(work);
  }

  private emit(event: DriverEvent): void {
    this.events.emit(event);
  }

  private assertStarted(): void {
    if (!this.started) {
      throw new DriverError('unavailable', 'the simulator is not started; call start() first');
    }
  }

  /** The live channel a command is for; `not_found` once it has ended. */
  private commandTarget(channelId: string): SimChannel {
    this.assertStarted();
    return this.partyTarget(channelId);
  }

  private partyTarget(channelId: string): SimChannel {
    return this.channelBook.target(channelId);
  }

  private bridgeTarget(bridgeId: string): SimBridge {
    this.assertStarted();
    return this.bridges.get(bridgeId);
  }
}
