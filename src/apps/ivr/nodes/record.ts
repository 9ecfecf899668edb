import { edgesOf, reason } from './kit.ts';
import type { NodeFactory, NodeRun, Step } from './types.ts';

/** Beyond the maximum length, how long to wait for the driver's word that the recording ended. */
const FINISH_GRACE_MS = 5_000;

interface RecordState {
  recordingId: string | undefined;
  done: boolean;
}

/**
 * `record`: voicemail. Plays its prompt, then records the caller up to `maxDurationMs`; the finish
 * key stops it early. The recording's id goes into a variable (`recording` unless `into` says) and
 * its length into `recording_ms`.
 */
export const record: NodeFactory<'record'> = (def, kit) => {
  const prompt = def.prompt === undefined ? undefined : kit.prompt(def.prompt, 'prompt');

  const start = async (run: NodeRun): Promise<Step> => {
    const state = run.session.state as RecordState;
    try {
      state.recordingId = await run.calls.record(run.session.callId, { maxDurationMs: def.maxDurationMs });
    } catch (error) {
      run.trace('record', { error: reason(error) });
      return { go: def.next };
    }
    run.trace('record', { recordingId: state.recordingId, maxDurationMs: def.maxDurationMs });
    run.timer('backstop', def.maxDurationMs + FINISH_GRACE_MS);
    return undefined;
  };

  return {
    kind: 'record',
    edges: edgesOf({ next: def.next }),
    waitsForCaller: true,
    async exec(run) {
      const state: RecordState = { recordingId: undefined, done: false };
      run.session.state = state;
      if (prompt === undefined) return start(run);
      await run.play(prompt);
      return undefined;
    },
    async on(run, input) {
      const state = run.session.state as RecordState;
      switch (input.type) {
        case 'played':
          return state.recordingId === undefined ? start(run) : undefined;
        case 'digit':
          if (input.digit === def.finishKey && state.recordingId !== undefined) {
            await run.calls.stopRecording(run.session.callId, state.recordingId).catch(() => undefined);
          }
          return undefined;
        case 'recorded':
          if (input.recordingId !== state.recordingId) return undefined;
          state.done = true;
          run.session.vars[def.into] = input.recordingId;
          run.session.vars.recording_ms = input.durationMs;
          run.trace('recorded', { recordingId: input.recordingId, durationMs: input.durationMs });
          return { go: def.next };
        case 'timer':
          // The driver never said the recording ended: go on rather than leave the caller waiting.
          run.trace('recorded', { recordingId: state.recordingId ?? null, error: 'no end reported' });
          return { go: def.next };
        default:
          return undefined;
      }
    },
    async kill(run) {
      const state = run.session.state as RecordState | undefined;
      if (state?.recordingId === undefined || state.done) return;
      await run.calls.stopRecording(run.session.callId, state.recordingId).catch(() => undefined);
    },
  };
};
