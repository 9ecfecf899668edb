import { z } from 'zod';
import type { EventDataSchemas } from '../app-contract.ts';
import { recordingSnapshotShape } from '../http-kit/recording.ts';
import { idInput, isoTime, type SameKeys } from '../http-kit/schemas.ts';
import type { RecordingEventDataMap, RecordingView } from './events.ts';

/** POST /api/v1/calls/{callId}/recording. */
export const RecordingCommandBody = z.strictObject({
  action: z
    .enum(['start', 'stop', 'pause', 'resume'])
    .describe('start recording the call; pause (while card numbers are read: PCI) and resume; stop.'),
  recordingId: idInput(
    'The recording to pause, resume or stop; the call’s live recording when absent.',
  ).optional(),
});

export const RecordingCallParams = z.strictObject({ callId: idInput('The call id.') });
export const RecordingParams = z.strictObject({ recordingId: idInput('The recording id.') });
export const RecordingListQuery = z.strictObject({ callId: idInput('The call whose recordings to list.') });

const recordingShape = recordingSnapshotShape.extend({
  callId: z.string(),
  size: z.number().int().nonnegative().optional().describe('Bytes of the stored file.'),
  contentType: z.string().optional().describe('Type of the stored file: audio/wav.'),
  storedAt: isoTime('When its file was stored; it can be downloaded from then on.').optional(),
});
true satisfies SameKeys<RecordingView, z.output<typeof recordingShape>>;

/** A call recording with its call and, once stored, its file. */
export const RecordingSchema: z.ZodType<RecordingView> = recordingShape.meta({ id: 'Recording' });

/** The payload schemas of the recording app's events, for the OpenAPI document. */
export const RECORDING_EVENTS: EventDataSchemas<keyof RecordingEventDataMap> = {
  'recording.stored': z
    .object({ recording: RecordingSchema })
    .describe('A stopped recording’s file is stored: GET /api/v1/recordings/{id} serves it.'),
  'recording.deleted': z
    .object({ recording: RecordingSchema })
    .describe('The retention policy deleted its file; `deletedAt` says when.'),
};
