import { nextState, type StateTable } from './state-table.ts';

/**
 * Call recordings: one conversation recorded on demand (the API) or by a policy (a queue's, an
 * inbound route's, an emergency's). A recording runs, may pause (while a caller reads out a card
 * number: PCI) and resume, and stops once; paused time is left out of its file and its duration.
 */

export const RECORDING_STATES = ['recording', 'paused', 'stopped'] as const;
export type RecordingState = (typeof RECORDING_STATES)[number];

/** Why a recording was started: asked for through the API, or by which policy. */
export const RECORDING_REASONS = ['on_demand', 'emergency', 'queue', 'route', 'flagged'] as const;
export type RecordingReason = (typeof RECORDING_REASONS)[number];

/** One recording of a call, as the call's snapshot lists it. Times are ISO-8601 strings. */
export interface RecordingSnapshot {
  readonly id: string;
  readonly state: RecordingState;
  readonly reason: RecordingReason;
  readonly startedAt: string;
  /** When it was last paused, while it is paused. */
  readonly pausedAt?: string;
  /** When it stopped. */
  readonly endedAt?: string;
  /** Milliseconds recorded, paused time excluded: so far while it runs, in all once stopped. */
  readonly durationMs: number;
  /** When the retention policy deleted its file (written into the call record afterwards). */
  readonly deletedAt?: string;
}

/**
 * A recording policy on a queue or an inbound route: `enabled` records the calls that come through
 * it, `samplePercent` (default 100) only that share of them, chosen at random per call.
 */
export interface RecordingPolicy {
  readonly enabled: boolean;
  readonly samplePercent?: number;
}

export type RecordingCommand = 'pause' | 'resume' | 'stop';

/** What each command does to a recording, as data: a missing cell is refused with INVALID_STATE. */
export const RECORDING_TRANSITIONS: StateTable<RecordingState, RecordingCommand> = {
  recording: { pause: 'paused', stop: 'stopped' },
  paused: { resume: 'recording', stop: 'stopped' },
  stopped: {},
};

/** The state after `command`, or INVALID_STATE naming the recording's current state. */
export function nextRecordingState(
  state: RecordingState,
  command: RecordingCommand,
  recordingId: string,
): RecordingState {
  return nextState(RECORDING_TRANSITIONS, state, command, (allowed) => ({
    message: `Cannot ${command} a recording that is ${state}; it must be ${allowed.join(' or ')}.`,
    details: { recordingId, state, action: command, allowedFrom: allowed },
  }));
}
