import { backoffDelay } from '../../core/backoff.ts';
import type { CallSnapshot } from '../../core/call.ts';
import { type Clock, iso } from '../../core/clock.ts';
import type { Log } from '../../core/log.ts';
import type { RecordingSnapshot } from '../../core/recording.ts';
import type { CallRecording } from '../../engine/types.ts';
import type { RecordingRepository, StoredRecording } from '../../store/types.ts';
import type { RecordingView } from './events.ts';
import type { RecordingNotifier } from './notifier.ts';
import type { RecordingFiles } from './recording-files.ts';

/** What keeping recordings needs: where they go, the engine's recordings, and the app's lane. */
export interface StorageContext {
  readonly repository: RecordingRepository;
  readonly files: RecordingFiles;
  readonly recordings: Pick<CallRecording, 'file' | 'remove'>;
  readonly notifier: RecordingNotifier;
  readonly clock: Clock;
  readonly log: Log;
  /** Runs work in the app's lane for one call (a call's recordings change in order). */
  schedule(callId: string, work: () => Promise<unknown>): void;
  /** False once the app stops: no retry is scheduled any more. */
  isRunning(): boolean;
}

/** Fetching a file the phone system has not handed over: a few tries, a second apart at first. */
const STORE_ATTEMPTS = 6;
const STORE_BACKOFF = { initialMs: 1_000, maxMs: 30_000 } as const;

/** A recording as the app answers it: its record without where the file lies. */
export function viewOf(recording: StoredRecording): RecordingView {
  const { file, ...rest } = recording;
  return file ? { ...rest, size: file.size, contentType: file.contentType, storedAt: file.storedAt } : rest;
}

/**
 * Keeps each call recording's record as the engine reports it, and once it stops, its file: fetched
 * from the phone system into the data folder (with a few retries through the clock), then deleted
 * there, then `recording.stored`.
 */
export class RecordingStorage {
  constructor(private readonly ctx: StorageContext) {}

  /** Writes the recording's record as the call's snapshot shows it (a stored file stays noted). */
  async keep(call: CallSnapshot, recordingId: string): Promise<StoredRecording | undefined> {
    const snapshot = call.recordings?.find((r) => r.id === recordingId);
    if (!snapshot) return undefined;
    const existing = await this.ctx.repository.get(recordingId);
    const record = recordOf(snapshot, call.id, existing);
    await this.ctx.repository.save(record);
    return record;
  }

  /**
   * Stores the file of a stopped recording not stored yet; answers the record as it is then. With
   * `retry`, a failure is tried again later through the clock; without, it is only logged.
   */
  async store(
    recordingId: string,
    retry: { attempt: number } | undefined,
  ): Promise<StoredRecording | undefined> {
    const { repository, recordings, files, clock, log } = this.ctx;
    const record = await repository.get(recordingId);
    if (record?.state !== 'stopped' || record.file || record.deletedAt !== undefined) return record;
    let stored: StoredRecording;
    try {
      const file = await recordings.file(recordingId);
      const written = await files.write(recordingId, file);
      const storedAt = iso(clock.now());
      stored = { ...record, file: { ...written, contentType: file.contentType, storedAt } };
      await repository.save(stored);
    } catch (error) {
      const attempt = retry?.attempt ?? STORE_ATTEMPTS;
      const again = attempt + 1 < STORE_ATTEMPTS && this.ctx.isRunning();
      log.warn({ err: error, recordingId, attempt, again }, 'storing a recording file failed');
      if (again) {
        clock.setTimer(backoffDelay(STORE_BACKOFF, attempt), () =>
          this.ctx.schedule(record.callId, () => this.store(recordingId, { attempt: attempt + 1 })),
        );
      }
      return record;
    }
    // The phone system's copy is no longer needed: the data folder has it.
    await recordings
      .remove(recordingId)
      .catch((err) => log.warn({ err, recordingId }, "deleting the phone system's copy failed"));
    await this.ctx.notifier.stored(viewOf(stored));
    return stored;
  }
}

/** The stored record of a recording as the call's snapshot shows it. */
function recordOf(
  snapshot: RecordingSnapshot,
  callId: string,
  existing: StoredRecording | undefined,
): StoredRecording {
  return {
    id: snapshot.id,
    callId,
    state: snapshot.state,
    reason: snapshot.reason,
    startedAt: snapshot.startedAt,
    ...(snapshot.endedAt !== undefined && { endedAt: snapshot.endedAt }),
    durationMs: snapshot.durationMs,
    ...(existing?.file && { file: existing.file }),
    ...(existing?.deletedAt !== undefined && { deletedAt: existing.deletedAt }),
  };
}
