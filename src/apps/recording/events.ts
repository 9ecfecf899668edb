import type { RecordingSnapshot } from '../../core/recording.ts';

/**
 * A call recording as the recording app answers it: the call's view of it (state, reason, duration),
 * the call it belongs to, and its file once stored in the data folder.
 */
export interface RecordingView extends RecordingSnapshot {
  readonly callId: string;
  /** Bytes of the stored file. */
  readonly size?: number;
  readonly contentType?: string;
  /** When the file was stored: from then on GET /api/v1/recordings/{id} serves it. */
  readonly storedAt?: string;
}

/** The recording app's events and what each carries in `data`. */
export interface RecordingEventDataMap {
  /** A stopped recording's file is stored and can be downloaded. */
  'recording.stored': { readonly recording: RecordingView };
  /** The retention policy deleted a recording's file; the records keep `deletedAt`. */
  'recording.deleted': { readonly recording: RecordingView };
}

declare module '../../core/events.ts' {
  interface DomainEventDataMap extends RecordingEventDataMap {}
}
