import { iso } from '../core/clock.ts';
import {
  nextRecordingState,
  type RecordingCommand,
  type RecordingReason,
  type RecordingSnapshot,
  type RecordingState,
} from '../core/recording.ts';
import type { RecordingTarget } from '../telephony/driver.ts';

/**
 * One recording of a call with its own state (recording ⇄ paused → stopped, through the table of
 * `core/recording.ts`) and the time it has recorded, paused time left out.
 */
export class LiveRecording {
  state: RecordingState = 'recording';
  pausedAt: number | undefined;
  endedAt: number | undefined;
  /** Recorded before the current stretch. */
  private recordedMs = 0;
  /** When the current stretch began; undefined unless recording. */
  private since: number | undefined;

  constructor(
    readonly id: string,
    readonly reason: RecordingReason,
    /** What the driver records: the call's main bridge, or the remote party's channel. */
    readonly target: RecordingTarget,
    readonly startedAt: number,
  ) {
    this.since = startedAt;
  }

  get live(): boolean {
    return this.state !== 'stopped';
  }

  /** Checks a command against the table without changing anything (INVALID_STATE if illegal). */
  check(command: RecordingCommand): void {
    nextRecordingState(this.state, command, this.id);
  }

  /** Moves through the table; a stretch of recording ends or begins with it. */
  apply(command: RecordingCommand, now: number): void {
    const next = nextRecordingState(this.state, command, this.id);
    if (this.since !== undefined) this.recordedMs += now - this.since;
    this.since = next === 'recording' ? now : undefined;
    this.pausedAt = next === 'paused' ? now : undefined;
    if (next === 'stopped') this.endedAt = now;
    this.state = next;
  }

  /** Milliseconds recorded by `now`, paused time left out. */
  durationMs(now: number): number {
    return this.recordedMs + (this.since === undefined ? 0 : now - this.since);
  }

  snapshot(now: number): RecordingSnapshot {
    return {
      id: this.id,
      state: this.state,
      reason: this.reason,
      startedAt: iso(this.startedAt),
      ...(this.pausedAt !== undefined && { pausedAt: iso(this.pausedAt) }),
      ...(this.endedAt !== undefined && { endedAt: iso(this.endedAt) }),
      durationMs: this.durationMs(now),
    };
  }
}
