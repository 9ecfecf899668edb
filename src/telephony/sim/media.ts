import type { Clock, TimerHandle } from '../../core/clock.ts';
import {
  DriverError,
  type DriverEvent,
  type DriverRecordings,
  type RecordingFile,
  type RecordingTarget,
} from '../driver.ts';
import type { SimBridge, SimChannel } from './channel.ts';
import { toneWav, wavSize } from './wav.ts';

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
  readonly maxDurationMs: number | undefined;
  /** Recorded before the current stretch (paused time left out). */
  recordedMs: number;
  /** When the current stretch began; undefined while paused. */
  since: number | undefined;
  /** Ends it at its longest duration; not running while paused. */
  timer: TimerHandle | undefined;
}

/**
 * The simulator's prompts and recordings. They finish through the clock, on command, or when what
 * they belong to goes away; each reports its `*.finished` event exactly once.
 */
export class SimMedia {
  private readonly playbacks = new Map<string, Playback>();
  private readonly recordings = new Map<string, Recording>();
  /** Finished recordings whose file is kept: id -> milliseconds recorded. */
  private readonly stored = new Map<string, number>();

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
    if (this.recordings.has(recordingId) || this.stored.has(recordingId)) {
      // As Asterisk: a name whose file is kept is refused too (409, ifExists defaults to fail).
      throw new DriverError('invalid', `recording "${recordingId}" exists already`);
    }
    if (maxDurationMs !== undefined && !(maxDurationMs > 0 && Number.isFinite(maxDurationMs))) {
      throw new DriverError('invalid', `maxDurationMs must be a positive number, got ${maxDurationMs}`);
    }
    const recording: Recording = {
      target: { kind: target.kind, id: target.id },
      owner,
      maxDurationMs,
      recordedMs: 0,
      since: this.clock.now(),
      timer: undefined,
    };
    this.recordings.set(recordingId, recording);
    this.armLimit(recordingId, recording);
    owner.recordings ??= new Set();
    owner.recordings.add(recordingId);
  }

  /**
   * Pausing (no event, nothing recorded) and resuming, and the files of finished recordings: a WAV of
   * a tone as long as what was recorded. `assertStarted` guards each command.
   */
  recordingControls(assertStarted: () => void): DriverRecordings {
    const running = (id: string): Recording => {
      assertStarted();
      const recording = this.recordings.get(id);
      if (!recording) throw new DriverError('not_found', `no recording "${id}" is running`);
      return recording;
    };
    return {
      pause: async (id) => {
        const recording = running(id);
        if (recording.since === undefined) return;
        recording.recordedMs += this.clock.now() - recording.since;
        recording.since = undefined;
        if (recording.timer) this.clock.clearTimer(recording.timer);
        recording.timer = undefined;
      },
      resume: async (id) => {
        const recording = running(id);
        if (recording.since !== undefined) return;
        recording.since = this.clock.now();
        this.armLimit(id, recording);
      },
      file: async (id) => {
        assertStarted();
        return this.storedFile(id);
      },
      remove: async (id) => {
        assertStarted();
        if (!this.stored.delete(id)) throw new DriverError('not_found', `no stored recording "${id}"`);
      },
    };
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
    const durationMs = recordedMs(recording, this.clock.now());
    this.stored.set(recordingId, durationMs);
    this.emit({ type: 'recording.finished', recordingId, target: recording.target, durationMs });
    return true;
  }

  /** The WAV file of a finished recording: a tone as long as what was recorded. */
  private storedFile(recordingId: string): RecordingFile {
    const durationMs = this.stored.get(recordingId);
    if (durationMs === undefined) {
      const why = this.recordings.has(recordingId) ? 'is still running' : 'has no stored file';
      throw new DriverError('not_found', `recording "${recordingId}" ${why}`);
    }
    return { contentType: 'audio/wav', size: wavSize(durationMs), body: toneWav(durationMs) };
  }

  /** Arms the end at the longest duration, counting only the time still left to record. */
  private armLimit(recordingId: string, recording: Recording): void {
    if (recording.maxDurationMs === undefined) return;
    const left = Math.max(0, recording.maxDurationMs - recording.recordedMs);
    recording.timer = this.clock.setTimer(left, () => this.batch(() => this.finishRecording(recordingId)));
  }
}

/** Milliseconds recorded so far, paused time left out. */
function recordedMs(recording: Recording, now: number): number {
  return recording.recordedMs + (recording.since === undefined ? 0 : now - recording.since);
}
