import { randomUUID } from 'node:crypto';
import type { DriverEvent } from '../telephony/driver.ts';
import { requireCapability } from './capabilities.ts';
import type { CommandContext } from './command-context.ts';
import type { Leg } from './live-call.ts';
import type { RecordingCommands } from './recording-commands.ts';
import type { CallMedia } from './types.ts';

type MediaFinished = Extract<DriverEvent, { type: 'playback.finished' | 'recording.finished' }>;

/** Prompts and recordings on a call's remote party; each id routes its finish event back to the call. */
export class MediaCommands implements CallMedia {
  /** Playback and recording ids in flight -> call id. */
  private readonly inFlight = new Map<string, string>();

  constructor(
    private readonly ctx: CommandContext,
    /** Where the ends of whole-call recordings go (they are not this module's). */
    private readonly callRecordings: Pick<RecordingCommands, 'onFinished'>,
  ) {}

  play(callId: string, media: string): Promise<string> {
    return this.start(callId, 'playback', 'play prompts', async (leg, id) => {
      await this.ctx.ops.deps.driver.play(leg.id, id, media);
    });
  }

  async stopPlayback(callId: string, playbackId: string): Promise<void> {
    await this.ctx.command(callId, async () => {
      await this.ctx.ops.deps.driver.stopPlayback(playbackId).catch(ignoreGone);
    });
  }

  record(callId: string, options: { maxDurationMs: number }): Promise<string> {
    return this.start(callId, 'recording', 'record', async (leg, id) => {
      await this.ctx.ops.deps.driver.startRecording({ kind: 'channel', id: leg.id }, id, options);
    });
  }

  async stopRecording(callId: string, recordingId: string): Promise<void> {
    await this.ctx.command(callId, async () => {
      await this.ctx.ops.deps.driver.stopRecording(recordingId).catch(ignoreGone);
    });
  }

  /** Media does not change a call's status; the app that started it hears that it finished. */
  onFinished(event: MediaFinished): void {
    if (event.type === 'recording.finished' && this.callRecordings.onFinished(event)) return;
    const { ops } = this.ctx;
    const id = event.type === 'playback.finished' ? event.playbackId : event.recordingId;
    const callId = this.inFlight.get(id);
    this.inFlight.delete(id);
    const call = callId ? ops.calls.get(callId) : undefined;
    if (!call) return;
    void this.ctx
      .run(call.id, () =>
        event.type === 'playback.finished'
          ? ops.publish(call, 'call.playback.finished', { playbackId: id })
          : ops.publish(call, 'call.recording.finished', {
              recordingId: id,
              durationMs: event.durationMs,
            }),
      )
      .catch((err) => ops.deps.log.error({ err, callId: call.id }, 'media event handling failed'));
  }

  /** Starts a playback or recording on the call's remote party under a new id. */
  private async start(
    callId: string,
    kind: 'playback' | 'recording',
    what: string,
    begin: (leg: Leg, id: string) => Promise<void>,
  ): Promise<string> {
    requireCapability(this.ctx.ops.deps.driver, kind, what);
    const id = `${callId}-${kind}-${randomUUID().slice(0, 8)}`;
    await this.ctx.command(callId, async (call) => {
      call.check('media');
      const leg = this.ctx.remoteLeg(call);
      this.inFlight.set(id, call.id);
      try {
        await begin(leg, id);
      } catch (error) {
        this.inFlight.delete(id);
        throw error;
      }
    });
    return id;
  }
}

function ignoreGone(error: unknown): void {
  if ((error as { kind?: string }).kind !== 'not_found') throw error;
}
