import type { Insertable, Selectable } from 'kysely';
import type { RecordingReason, RecordingState } from '../core/recording.ts';
import { checkLimit, instant } from './checks.ts';
import { type RecordingsTable, toNumber, type UseDb } from './schema.ts';
import type { RecordingRepository, StoredRecording } from './types.ts';

const MAX_EXPIRED = 1000;

/** The call-recording repository over either backend. */
export function createRecordingRepository(useDb: UseDb): RecordingRepository {
  const select = () => useDb().selectFrom('recordings').selectAll();
  return {
    async save(recording) {
      const row = toRow(recording);
      const { id: _key, ...changes } = row;
      await useDb()
        .insertInto('recordings')
        .values(row)
        .onConflict((oc) => oc.column('id').doUpdateSet(changes))
        .execute();
    },

    async get(id) {
      const row = await select().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    async listByCall(callId) {
      const rows = await select()
        .where('call_id', '=', callId)
        .orderBy('started_at_ms', 'asc')
        .orderBy('id', 'asc')
        .execute();
      return rows.map(fromRow);
    },

    async expired(before, limit) {
      const rows = await select()
        .where('state', '=', 'stopped')
        .where('deleted_at', 'is', null)
        .where('ended_at_ms', '<', instant(before, 'before'))
        .orderBy('ended_at_ms', 'asc')
        .orderBy('id', 'asc')
        .limit(checkLimit(limit, MAX_EXPIRED))
        .execute();
      return rows.map(fromRow);
    },

    async unstored() {
      const rows = await select()
        .where('file_path', 'is', null)
        .where('deleted_at', 'is', null)
        .orderBy('started_at_ms', 'asc')
        .orderBy('id', 'asc')
        .execute();
      return rows.map(fromRow);
    },
  };
}

function toRow(recording: StoredRecording): Insertable<RecordingsTable> {
  const { file } = recording;
  return {
    id: recording.id,
    call_id: recording.callId,
    state: recording.state,
    reason: recording.reason,
    started_at: recording.startedAt,
    started_at_ms: instant(recording.startedAt, 'startedAt'),
    ended_at: recording.endedAt ?? null,
    ended_at_ms: recording.endedAt === undefined ? null : instant(recording.endedAt, 'endedAt'),
    duration_ms: recording.durationMs,
    file_path: file?.path ?? null,
    file_size: file?.size ?? null,
    content_type: file?.contentType ?? null,
    stored_at: file?.storedAt ?? null,
    deleted_at: recording.deletedAt ?? null,
  };
}

function fromRow(row: Selectable<RecordingsTable>): StoredRecording {
  return {
    id: row.id,
    callId: row.call_id,
    state: row.state as RecordingState,
    reason: row.reason as RecordingReason,
    startedAt: row.started_at,
    ...(row.ended_at !== null && { endedAt: row.ended_at }),
    durationMs: toNumber(row.duration_ms),
    ...(row.file_path !== null && {
      file: {
        path: row.file_path,
        size: toNumber(row.file_size ?? 0),
        contentType: row.content_type ?? 'audio/wav',
        storedAt: row.stored_at ?? row.ended_at ?? row.started_at,
      },
    }),
    ...(row.deleted_at !== null && { deletedAt: row.deleted_at }),
  };
}
