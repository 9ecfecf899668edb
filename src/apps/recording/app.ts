import type { SwitchboardApp } from '../app-contract.ts';
import { type RecordingDeps, RecordingService } from './recording-service.ts';
import { recordingRoutes } from './routes.ts';
import { RECORDING_EVENTS } from './schemas.ts';

/** Call recording, on demand and by policy, as the composition root lists it. */
export function createRecordingApp(
  deps: RecordingDeps,
): SwitchboardApp & { readonly service: RecordingService } {
  const recordings = new RecordingService(deps);
  return {
    name: 'recording',
    service: recordings,
    start: () => recordings.start(),
    // Its reactions run until the engine has ended the live calls: their recordings stop and are stored.
    stop: async () => recordings.stop(),
    afterCallsEnded: () => recordings.afterCallsEnded(),
    idle: () => recordings.idle(),
    get busy() {
      return recordings.busy;
    },
    routes: [{ prefix: '/api/v1', plugin: async (app) => app.register(recordingRoutes, { recordings }) }],
    events: RECORDING_EVENTS,
    tags: [{ name: 'recordings', description: 'Call recordings: on demand, by policy, their files.' }],
  };
}
