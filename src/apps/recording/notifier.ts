import type { NewDomainEvent } from '../../core/events.ts';
import type { RecordingEventDataMap, RecordingView } from './events.ts';

/** The one place the recording app publishes its events; each carries the recording as it is now. */
export class RecordingNotifier {
  constructor(private readonly publish: (event: NewDomainEvent) => Promise<unknown>) {}

  /** Its file is in the data folder: it can be downloaded. */
  stored(recording: RecordingView): Promise<unknown> {
    return this.send('recording.stored', recording);
  }

  /** Retention deleted its file. */
  deleted(recording: RecordingView): Promise<unknown> {
    return this.send('recording.deleted', recording);
  }

  private send(type: keyof RecordingEventDataMap, recording: RecordingView): Promise<unknown> {
    return this.publish({ type, callId: recording.callId, data: { recording } });
  }
}
