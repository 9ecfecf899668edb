import type { Clock, TimerHandle } from '../../core/clock.ts';
import { DriverError, type DriverEvent, type RecordingTarget } from '../driver.ts';
import type { SimBridge, SimChannel } from './channel.ts';

/** How long a simulated prompt plays: media files a fixed second, text as if spoken. */
export function playbackDurationMs(media: string): number {
  if (/^(sound|recording):/.test(media)) return 1_000;
  return 1_000 + 50 * media.length;
}

interface Playback {
  readonly channel: SimChannel;
  readonly timer: TimerHandle;
}

interface Recording {
  readonly target: RecordingTarget;
  readonly owner: SimChannel | SimBridge;
  readonly startedAt: number;
  readonly timer: TimerHandle | undefined;
}

/**
 * The simulator's prompts and recordings. They finish through the clock, on command, or when what
 * they belong to goes away; each reports its `*.finished` event exactly once.
 */
export class SimMedia {
  private readonly playbacks = new Map<string, Playback>();
  private readonly recordings = new Map<string, Recording>();

  constructor(
    private readonly clock: Clock,
    private readonly emit: (event: DriverEvent) => void,
    /** Runs timer work so that its events reach listeners only once it is complete. */
    private readonly batch: (work: () => void) => void,
  ) {}

  play(channel: SimChannel, playbackId: string, media: string): void {
    if (!playbackId) throw new DriverError('invalid', 'a playback needs an id');
    if (this.playbacks.has(playbackId)) {
      throw new DriverError('invalid', `playback "${playbackId}" is already playing`);
    }
    if (!media) throw new DriverError('invalid', 'nothing to play: media is empty');
    const timer = this.clock.setTimer(playbackDurationMs(media), () =>
      this.batch(() => this.finishPlayback(playbackId)),
    );
    this.playbacks.set(playbackId, { channel, timer });
    channel.playbacks ??= new Set();
    channel.playbacks.add(playbackId);
  }

  stopPlayback(playbackId: string): void {
    if (!this.finishPlayback(playbackId)) {
      throw new DriverError('not_found', `no playback "${playbackId}" is playing`);
    }
  }

  startRecording(
    target: RecordingTarget,
    owner: SimChannel | SimBridge,
    recordingId: string,
    maxDurationMs: number | undefined,
  ): void {
    if (!recordingId) throw new DriverError('invalid', 'a recording needs an id');
    if (this.recordings.has(recordingId)) {
      throw new DriverError('invalid', `recording "${recordingId}" is already running`);
    }
    if (maxDurationMs !== undefined && !(maxDurationMs > 0 && Number.isFinite(maxDurationMs))) {
      throw new DriverError('invalid', `maxDurationMs must be a positive number, got ${maxDurationMs}`);
    }
    const timer =
      maxDurationMs === undefined
        ? undefined
        : this.clock.setTimer(maxDurationMs, () => this.batch(() => this.finishRecording(recordingId)));
    this.recordings.set(recordingId, {
      target: { kind: target.kind, id: target.id },
      owner,
      startedAt: this.clock.now(),
      timer,
    });
    owner.recordings ??= new Set();
    owner.recordings.add(recordingId);
  }

  stopRecording(recordingId: string): void {
    if (!this.finishRecording(recordingId)) {
      throw new DriverError('not_found', `no recording "${recordingId}" is running`);
    }
  }

  /** Finishes the channel's prompts and recordings; called before its `channel.hangup`. */
  channelGone(channel: SimChannel): void {
    if (channel.playbacks) for (const id of channel.playbacks) this.finishPlayback(id);
    if (channel.recordings) for (const id of channel.recordings) this.finishRecording(id);
    channel.playbacks = undefined;
    channel.recordings = undefined;
  }

  /** Finishes the recordings of a bridge that is being destroyed. */
  bridgeGone(bridge: SimBridge): void {
    if (bridge.recordings) for (const id of bridge.recordings) this.finishRecording(id);
    bridge.recordings = undefined;
  }

  private finishPlayback(playbackId: string): boolean {
    const playback = this.playbacks.get(playbackId);
    if (!playback) return false;
    this.playbacks.delete(playbackId);
    this.clock.clearTimer(playback.timer);
    playback.channel.playbacks?.delete(playbackId);
    this.emit({ type: 'playback.finished', playbackId, channelId: playback.channel.id });
    return true;
  }

  private finishRecording(recordingId: string): boolean {
    const recording = this.recordings.get(recordingId);
    if (!recording) return false;
    this.recordings.delete(recordingId);
    if (recording.timer) this.clock.clearTimer(recording.timer);
    recording.owner.recordings?.delete(recordingId);
    this.emit({
      type: 'recording.finished',
      recordingId,
      target: recording.target,
      durationMs: this.clock.now() - recording.startedAt,
    });
    return true;
  }
}
