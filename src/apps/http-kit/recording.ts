import { z } from 'zod';
import {
  RECORDING_REASONS,
  RECORDING_STATES,
  type RecordingPolicy,
  type RecordingSnapshot,
} from '../../core/recording.ts';
import { isoTime, type SameKeys } from './schemas.ts';

/**
 * A call recording as the call's snapshot lists it: shared by the call schema of the API and the
 * recording app's own answers, which add where its file is.
 */
export const recordingSnapshotShape = z.object({
  id: z.string().describe('Download it at GET /api/v1/recordings/{id} once stopped and stored.'),
  state: z.enum(RECORDING_STATES).describe('recording ⇄ paused → stopped.'),
  reason: z
    .enum(RECORDING_REASONS)
    .describe(
      'on_demand: asked through the API; emergency, queue, route, flagged: started by that recording policy.',
    ),
  startedAt: isoTime('When it started.'),
  pausedAt: isoTime('When it was paused, while it is paused.').optional(),
  endedAt: isoTime('When it stopped.').optional(),
  durationMs: z
    .number()
    .int()
    .nonnegative()
    .describe('Milliseconds recorded, paused time left out: so far while it runs.'),
  deletedAt: isoTime('When the retention policy deleted its file.').optional(),
});
true satisfies SameKeys<RecordingSnapshot, z.output<typeof recordingSnapshotShape>>;

/** One recording of a call, in the call's `recordings`. */
export const RecordingSnapshotSchema: z.ZodType<RecordingSnapshot> = recordingSnapshotShape.meta({
  id: 'CallRecording',
});

/**
 * A recording policy as a queue or an inbound route carries it (requests and answers alike): strict,
 * so that a misspelt setting is refused rather than silently not recording.
 */
export const RecordingPolicySchema = z
  .strictObject({
    enabled: z.boolean().describe('Record the calls that come through here once they are answered.'),
    samplePercent: z
      .number()
      .min(0)
      .max(100)
      .optional()
      .describe('Record only this share of them (0-100), chosen at random per call; default 100.'),
  })
  .meta({ id: 'RecordingPolicy' });
true satisfies SameKeys<RecordingPolicy, z.output<typeof RecordingPolicySchema>>;
