import type { Address } from '../../core/call.ts';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { BridgeRole, DriverEvent, HangupCause, RecordingTarget } from '../driver.ts';
import { Registrations } from './registrations.ts';

/** How a channel came to the driver: dialled by it, arrived from outside, or a snoop it made. */
export type ChannelKind = 'outbound' | 'inbound' | 'snoop';

/** What the driver knows of one live channel. */
export interface ChannelRecord {
  readonly id: string;
  readonly kind: ChannelKind;
  /** For outbound channels: the address dialled (to tell agents' phones from numbers). */
  readonly address: Address | undefined;
  /** The resynchronisation epoch it was tracked in; later ones are not judged by an older snapshot. */
  readonly epoch: number;
  phase: 'dialing' | 'ringing' | 'answered';
  /** Asterisk reported the channel `Up` (answered), whether or not that was reported yet. */
  up: boolean;
  /** The cause the engine hung it up with; it wins over what Asterisk says afterwards. */
  requestedCause: HangupCause | undefined;
  /** Redirected away: its ending is the transfer going through, so `normal`. */
  redirected: boolean;
  redirectTimer: TimerHandle | undefined;
  /** The first informative reason Asterisk gave while it was ending. */
  observedCause: HangupCause | undefined;
  readonly playbacks: Set<string>;
  readonly recordings: Set<string>;
}

/** A party in a bridge; supervisors (listen/whisper) sit in a side bridge with a snoop channel. */
export interface Membership {
  readonly channelId: string;
  role: BridgeRole;
  /** When it joined as a normal party, to pick whom a supervisor whispers to. */
  readonly order: number;
  snoopId?: string;
  sideBridgeId?: string;
}

export interface BridgeRecord {
  readonly id: string;
  readonly members: Map<string, Membership>;
  readonly recordings: Set<string>;
}

interface PlaybackRecord {
  readonly channelId: string;
}

interface RecordingRecord {
  readonly target: RecordingTarget;
  /** Recorded before the current stretch (paused time left out). */
  recordedMs: number;
  /** When the current stretch began; undefined while paused. */
  since: number | undefined;
}

/** How many ended channel ids are remembered, to answer not_found at once and ignore late events. */
const ENDED_REMEMBERED = 10_000;

/**
 * The driver's view of Asterisk: channels, bridges, playbacks and recordings it tracks, and the
 * bookkeeping that keeps the contract's promises (one `channel.hangup` per channel, and last; every
 * playback and recording finishes exactly once). No I/O happens here.
 */
export class DriverState {
  readonly channels = new Map<string, ChannelRecord>();
  readonly bridges = new Map<string, BridgeRecord>();
  readonly playbacks = new Map<string, PlaybackRecord>();
  readonly recordings = new Map<string, RecordingRecord>();
  /** Bumped at each resynchronisation. */
  epoch = 0;
  readonly registrations: Registrations;
  private readonly ended = new Map<string, HangupCause>();
  private joinCount = 0;

  constructor(
    private readonly clock: Clock,
    private readonly emit: (event: DriverEvent) => void,
    /** Called after a channel's `channel.hangup`, to tidy up what it leaves behind on the PBX. */
    private readonly onChannelEnded: (channel: ChannelRecord, memberships: Membership[]) => void,
  ) {
    this.registrations = new Registrations(emit);
  }

  /** Starts tracking a channel; before the request that creates it, as its events may come first. */
  track(id: string, kind: ChannelKind, address?: Address): ChannelRecord {
    const record: ChannelRecord = {
      id,
      kind,
      address,
      epoch: this.epoch,
      phase: 'dialing',
      up: false,
      requestedCause: undefined,
      redirected: false,
      redirectTimer: undefined,
      observedCause: undefined,
      playbacks: new Set(),
      recordings: new Set(),
    };
    this.ended.delete(id);
    this.channels.set(id, record);
    return record;
  }

  /** Forgets a channel without reporting anything: Asterisk refused to create it, or it is a snoop. */
  forget(id: string): void {
    const channel = this.channels.get(id);
    if (!channel) return;
    this.channels.delete(id);
    if (channel.redirectTimer) this.clock.clearTimer(channel.redirectTimer);
    this.remember(id, 'normal');
  }

  /** The cause a channel ended with, if it is one of the recently ended ones. */
  endedCause(id: string): HangupCause | undefined {
    return this.ended.get(id);
  }

  reportRinging(channel: ChannelRecord): void {
    if (channel.phase !== 'dialing' || channel.kind !== 'outbound') return;
    channel.phase = 'ringing';
    this.emit({ type: 'channel.ringing', channelId: channel.id });
  }

  reportAnswered(channel: ChannelRecord): void {
    channel.up = true;
    if (channel.phase === 'answered' || channel.kind === 'snoop') return;
    channel.phase = 'answered';
    this.emit({ type: 'channel.answered', channelId: channel.id });
  }

  /** The cause to report: the engine's own, a redirect's, what Asterisk said, or `normal`. */
  causeOf(channel: ChannelRecord, fallback?: HangupCause): HangupCause {
    return (
      channel.requestedCause ??
      (channel.redirected ? 'normal' : undefined) ??
      channel.observedCause ??
      fallback ??
      'normal'
    );
  }

  /**
   * Ends a channel: its playbacks and recordings finish first, then `channel.hangup`, so that the
   * hang-up is its last event; later events for it are ignored.
   */
  endChannel(channel: ChannelRecord, cause: HangupCause): void {
    if (this.channels.get(channel.id) !== channel) return;
    this.channels.delete(channel.id);
    if (channel.redirectTimer) this.clock.clearTimer(channel.redirectTimer);
    channel.redirectTimer = undefined;
    for (const id of [...channel.playbacks]) this.finishPlayback(id);
    for (const id of [...channel.recordings]) this.finishRecording(id, undefined);
    const memberships: Membership[] = [];
    for (const bridge of this.bridges.values()) {
      const membership = bridge.members.get(channel.id);
      if (membership) {
        bridge.members.delete(channel.id);
        memberships.push(membership);
      }
    }
    this.remember(channel.id, cause);
    if (channel.kind !== 'snoop') this.emit({ type: 'channel.hangup', channelId: channel.id, cause });
    this.onChannelEnded(channel, memberships);
  }

  trackBridge(id: string): BridgeRecord {
    const bridge: BridgeRecord = { id, members: new Map(), recordings: new Set() };
    this.bridges.set(id, bridge);
    return bridge;
  }

  /** Forgets a bridge; its recordings finish. */
  dropBridge(id: string): void {
    const bridge = this.bridges.get(id);
    if (!bridge) return;
    this.bridges.delete(id);
    for (const recordingId of [...bridge.recordings]) this.finishRecording(recordingId, undefined);
  }

  /** Records a party joining a bridge (moving it out of any other bridge it was in). */
  join(bridge: BridgeRecord, channelId: string, role: BridgeRole): Membership {
    for (const other of this.bridges.values()) if (other !== bridge) other.members.delete(channelId);
    const existing = bridge.members.get(channelId);
    const membership: Membership = existing ?? { channelId, role, order: ++this.joinCount };
    membership.role = role;
    bridge.members.set(channelId, membership);
    return membership;
  }

  trackPlayback(playbackId: string, channel: ChannelRecord): void {
    this.playbacks.set(playbackId, { channelId: channel.id });
    channel.playbacks.add(playbackId);
  }

  /** Reports `playback.finished` once; false if the playback was not (or no longer) tracked. */
  finishPlayback(playbackId: string): boolean {
    const playback = this.playbacks.get(playbackId);
    if (!playback) return false;
    this.playbacks.delete(playbackId);
    this.channels.get(playback.channelId)?.playbacks.delete(playbackId);
    this.emit({ type: 'playback.finished', playbackId, channelId: playback.channelId });
    return true;
  }

  trackRecording(recordingId: string, target: RecordingTarget): void {
    this.recordings.set(recordingId, {
      target: { kind: target.kind, id: target.id },
      recordedMs: 0,
      since: this.clock.now(),
    });
    if (target.kind === 'channel') this.channels.get(target.id)?.recordings.add(recordingId);
    else this.bridges.get(target.id)?.recordings.add(recordingId);
  }

  /** Notes that Asterisk paused (or resumed) a recording, so its own duration leaves the pause out. */
  pauseRecording(recordingId: string, paused: boolean): void {
    const recording = this.recordings.get(recordingId);
    if (!recording || paused === (recording.since === undefined)) return;
    const now = this.clock.now();
    if (paused) recording.recordedMs += now - (recording.since ?? now);
    recording.since = paused ? undefined : now;
  }

  /** Forgets a recording Asterisk refused to start, without reporting it. */
  forgetRecording(recordingId: string): void {
    const recording = this.recordings.get(recordingId);
    if (!recording) return;
    this.recordings.delete(recordingId);
    const { target } = recording;
    if (target.kind === 'channel') this.channels.get(target.id)?.recordings.delete(recordingId);
    else this.bridges.get(target.id)?.recordings.delete(recordingId);
  }

  /**
   * Reports `recording.finished` once, with Asterisk's duration when it gave one (whole seconds,
   * pauses excluded), else the time it recorded, pauses excluded.
   */
  finishRecording(recordingId: string, durationSeconds: number | undefined): boolean {
    const recording = this.recordings.get(recordingId);
    if (!recording) return false;
    this.recordings.delete(recordingId);
    const { target } = recording;
    if (target.kind === 'channel') this.channels.get(target.id)?.recordings.delete(recordingId);
    else this.bridges.get(target.id)?.recordings.delete(recordingId);
    const durationMs =
      durationSeconds !== undefined && Number.isFinite(durationSeconds)
        ? durationSeconds * 1000
        : recording.recordedMs + (recording.since === undefined ? 0 : this.clock.now() - recording.since);
    this.emit({ type: 'recording.finished', recordingId, target, durationMs });
    return true;
  }

  /** Live channels the engine knows of (snoops are the driver's own). */
  liveCallChannels(): ChannelRecord[] {
    return [...this.channels.values()].filter((c) => c.kind !== 'snoop');
  }

  private remember(id: string, cause: HangupCause): void {
    this.ended.set(id, cause);
    if (this.ended.size > ENDED_REMEMBERED) this.ended.delete(this.ended.keys().next().value!);
  }
}
