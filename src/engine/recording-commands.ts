import type { CallSnapshot } from '../core/call.ts';
import { SwitchboardError } from '../core/errors.ts';
import type { RecordingReason } from '../core/recording.ts';
import { DriverError, type DriverEvent, type RecordingTarget } from '../telephony/driver.ts';
import { requireCapability } from './capabilities.ts';
import type { CommandContext } from './command-context.ts';
import { asEngineError } from './driver-errors.ts';
import type { LiveCall } from './live-call.ts';
import type { LiveRecording } from './live-recording.ts';
import type { CallRecording } from './types.ts';

type RecordingFinished = Extract<DriverEvent, { type: 'recording.finished' }>;

/**
 * Recordings of whole calls (see {@link CallRecording}): started on the call's main bridge (or its
 * remote party while there is none), paused and resumed through the driver, stopped on demand or as
 * the call ends (`CallRegistry.stopRecording`).
 */
export class RecordingCommands implements CallRecording {
  /** Call recordings the driver has not reported finished yet: recording id -> call id. */
  private readonly unfinished = new Map<string, string>();

  constructor(private readonly ctx: CommandContext) {}

  async start(callId: string, reason: RecordingReason): Promise<CallSnapshot> {
    const { ops } = this.ctx;
    requireCapability(ops.deps.driver, 'recording', 'record calls');
    return this.ctx.command(callId, async (call) => {
      call.check('record');
      const live = call.liveRecording();
      if (live) {
        throw new SwitchboardError(
          'INVALID_STATE',
          `The call is being recorded already (${live.id}); stop that recording before starting another.`,
          { callId, recordingId: live.id, state: live.state },
        );
      }
      const recording = call.addRecording(reason, this.target(call), ops.now());
      this.unfinished.set(recording.id, call.id);
      try {
        await ops.deps.driver.startRecording(recording.target, recording.id);
      } catch (error) {
        call.dropLastRecording();
        this.unfinished.delete(recording.id);
        throw error;
      }
      await ops.publish(call, 'call.recording.started', { recordingId: recording.id, reason });
    });
  }

  pause(callId: string, recordingId?: string): Promise<CallSnapshot> {
    return this.change(callId, recordingId, 'pause');
  }

  resume(callId: string, recordingId?: string): Promise<CallSnapshot> {
    return this.change(callId, recordingId, 'resume');
  }

  stop(callId: string, recordingId?: string): Promise<CallSnapshot> {
    return this.ctx.command(callId, async (call) => {
      call.check('record');
      const recording = this.find(call, recordingId);
      recording.check('stop');
      await this.ctx.ops.stopRecording(call, recording);
    });
  }

  file(recordingId: string): ReturnType<CallRecording['file']> {
    return this.atDriver(recordingId, () => this.ctx.ops.deps.driver.recordings.file(recordingId));
  }

  remove(recordingId: string): Promise<void> {
    return this.atDriver(recordingId, () => this.ctx.ops.deps.driver.recordings.remove(recordingId));
  }

  /**
   * The driver reports a recording finished. A call recording that ended by itself (its channel went)
   * is stopped in the call; answers whether the recording was a call recording at all.
   */
  onFinished(event: RecordingFinished): boolean {
    const callId = this.unfinished.get(event.recordingId);
    if (callId === undefined) return false;
    this.unfinished.delete(event.recordingId);
    const { ops } = this.ctx;
    const call = ops.calls.get(callId);
    if (!call) return true;
    void this.ctx
      .run(callId, async () => {
        const recording = call.recordings.find((r) => r.id === event.recordingId);
        if (recording && ops.calls.get(callId) === call) {
          await ops.stopRecording(call, recording, 'driver_finished');
        }
      })
      .catch((err) => ops.deps.log.error({ err, callId }, 'recording end handling failed'));
    return true;
  }

  /** Pauses or resumes, through the recording's own state table. */
  private change(callId: string, recordingId: string | undefined, command: 'pause' | 'resume') {
    const { ops } = this.ctx;
    return this.ctx.command(callId, async (call) => {
      call.check('record');
      const recording = this.find(call, recordingId);
      recording.check(command);
      const { recordings } = ops.deps.driver;
      await this.atDriver(recording.id, () =>
        command === 'pause' ? recordings.pause(recording.id) : recordings.resume(recording.id),
      );
      recording.apply(command, ops.now());
      const type = command === 'pause' ? 'call.recording.paused' : 'call.recording.resumed';
      await ops.publish(call, type, { recordingId: recording.id });
    });
  }

  /** What to record: the parties' bridge when they are joined, else the remote party alone. */
  private target(call: LiveCall): RecordingTarget {
    const main = call.bridgeOf('main');
    if (main) return { kind: 'bridge', id: main.id };
    return { kind: 'channel', id: this.ctx.remoteLeg(call).id };
  }

  /** The recording named, or else the call's live one. */
  private find(call: LiveCall, recordingId: string | undefined): LiveRecording {
    if (recordingId === undefined) {
      const live = call.liveRecording();
      if (live) return live;
      const message = 'The call is not being recorded; start a recording first.';
      throw new SwitchboardError('INVALID_STATE', message, { callId: call.id });
    }
    const found = call.recordings.find((r) => r.id === recordingId);
    if (!found) throw recordingNotFound(recordingId, call.id);
    return found;
  }

  /** A driver command on a recording: its `not_found` is RECORDING_NOT_FOUND, not a channel's. */
  private async atDriver<T>(recordingId: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof DriverError && error.kind === 'not_found') {
        throw recordingNotFound(recordingId, undefined, error.message);
      }
      throw asEngineError(error);
    }
  }
}

function recordingNotFound(recordingId: string, callId?: string, said?: string): SwitchboardError {
  const where = callId === undefined ? '' : ` in call ${callId}`;
  return new SwitchboardError('RECORDING_NOT_FOUND', `No recording has id "${recordingId}"${where}.`, {
    recordingId,
    ...(callId !== undefined && { callId }),
    ...(said !== undefined && { driver: said }),
  });
}
