import { isFinal } from '../../core/call.ts';
import { iso } from '../../core/clock.ts';
import type { CallRecordRepository, StoredRecording } from '../../store/types.ts';
import type { StorageContext } from './recording-storage.ts';
import { viewOf } from './recording-storage.ts';

const DAY_MS = 86_400_000;
/** How often old recordings are looked for: they go at most this long after their time is up. */
export const RETENTION_SWEEP_MS = 3_600_000;
const SWEEP_BATCH = 100;

/**
 * Deletes recordings older than the retention period (counted from when they stopped): the file goes
 * from the data folder (and from the phone system, if it still had it), and the records say so —
 * the recording's `deletedAt`, the call record's entry in `recordings`, and `recording.deleted`.
 */
export class RecordingRetention {
  constructor(
    private readonly ctx: StorageContext,
    private readonly calls: Pick<CallRecordRepository, 'get' | 'save'>,
    private readonly days: number,
  ) {}

  /** Deletes everything whose time is up now. */
  async sweep(): Promise<void> {
    const before = iso(this.ctx.clock.now() - this.days * DAY_MS);
    for (;;) {
      const expired = await this.ctx.repository.expired(before, SWEEP_BATCH);
      for (const recording of expired) await this.expire(recording);
      if (expired.length < SWEEP_BATCH) return;
    }
  }

  private async expire(recording: StoredRecording): Promise<void> {
    const { files, recordings, repository, notifier, clock } = this.ctx;
    if (recording.file) await files.delete(recording.file.path);
    // Never stored (the phone system kept failing): its copy there goes too.
    else await recordings.remove(recording.id).catch(() => undefined);
    const deletedAt = iso(clock.now());
    const deleted: StoredRecording = { ...recording, deletedAt };
    await repository.save(deleted);
    await this.markCallRecord(recording, deletedAt);
    await notifier.deleted(viewOf(deleted));
  }

  /** The call record lists the recording: it says when it was deleted too (once the call has ended). */
  private async markCallRecord(recording: StoredRecording, deletedAt: string): Promise<void> {
    const call = await this.calls.get(recording.callId);
    if (!call?.recordings || !isFinal(call.status)) return;
    await this.calls.save({
      ...call,
      recordings: call.recordings.map((r) => (r.id === recording.id ? { ...r, deletedAt } : r)),
    });
  }
}
