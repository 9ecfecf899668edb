import { DriverError, type DriverRecordings, type RecordingTarget } from '../driver.ts';
import { type AriContext, enc } from './ari-context.ts';
import { isChannelGone, toDriverError } from './ari-errors.ts';

/** Media commands of the ARI driver: playbacks of media URIs and channel or bridge recordings. */

const MEDIA_URI = /^[a-z]+:./i;

export async function play(
  ctx: AriContext,
  channelId: string,
  playbackId: string,
  media: string,
): Promise<void> {
  const channel = ctx.target(channelId);
  if (!playbackId) throw new DriverError('invalid', 'a playback needs an id');
  if (ctx.state.playbacks.has(playbackId)) {
    throw new DriverError('invalid', `playback "${playbackId}" is already playing`);
  }
  if (typeof media !== 'string' || !MEDIA_URI.test(media)) {
    throw new DriverError(
      'not_supported',
      `Asterisk plays media URIs (sound:, recording:, digits:, number:, tone:), not text: "${media}"`,
    );
  }
  ctx.state.trackPlayback(playbackId, channel);
  try {
    await ctx.client.request('POST', `/channels/${enc(channelId)}/play`, { media, playbackId });
  } catch (error) {
    ctx.state.playbacks.delete(playbackId);
    channel.playbacks.delete(playbackId);
    if (isChannelGone(error)) ctx.state.endChannel(channel, ctx.state.causeOf(channel, 'network_error'));
    throw toDriverError(error, `playing ${media} to ${channelId}`);
  }
}

export async function stopPlayback(ctx: AriContext, playbackId: string): Promise<void> {
  ctx.assertRunning();
  await ctx.call('DELETE', `/playbacks/${enc(playbackId)}`, undefined, `stopping playback ${playbackId}`);
}

export async function startRecording(
  ctx: AriContext,
  target: RecordingTarget,
  recordingId: string,
  options: { maxDurationMs?: number } = {},
): Promise<void> {
  if (target?.kind !== 'channel' && target?.kind !== 'bridge') {
    throw new DriverError('invalid', 'a recording target is { kind: "channel" | "bridge", id }');
  }
  const channel = target.kind === 'channel' ? ctx.target(target.id) : undefined;
  if (!channel) ctx.assertRunning();
  if (!recordingId) throw new DriverError('invalid', 'a recording needs an id');
  if (ctx.state.recordings.has(recordingId)) {
    throw new DriverError('invalid', `recording "${recordingId}" is already running`);
  }
  const { maxDurationMs } = options;
  if (maxDurationMs !== undefined && !(maxDurationMs > 0 && Number.isFinite(maxDurationMs))) {
    throw new DriverError('invalid', `maxDurationMs must be a positive number, got ${maxDurationMs}`);
  }
  const path = `/${target.kind === 'channel' ? 'channels' : 'bridges'}/${enc(target.id)}/record`;
  // Tracked first: a short recording can finish before the response arrives.
  ctx.state.trackRecording(recordingId, target);
  try {
    await ctx.call(
      'POST',
      path,
      {
        name: recordingId,
        format: ctx.options.recordingFormat ?? 'wav',
        maxDurationSeconds:
          maxDurationMs === undefined ? undefined : Math.max(1, Math.ceil(maxDurationMs / 1000)),
      },
      `recording ${target.kind} ${target.id}`,
      channel,
    );
  } catch (error) {
    ctx.state.forgetRecording(recordingId);
    throw error;
  }
}

export async function stopRecording(ctx: AriContext, recordingId: string): Promise<void> {
  ctx.assertRunning();
  await ctx.call(
    'POST',
    `/recordings/live/${enc(recordingId)}/stop`,
    undefined,
    `stopping recording ${recordingId}`,
  );
}

/**
 * Pause, resume and stored files, as the `recording-pause-resume` transcript shows ARI does them:
 * pause is POST /recordings/live/{name}/pause and resume DELETE of the same (there is no unpause
 * resource), neither with an event; a finished recording's file is GET /recordings/stored/{name}/file
 * (`audio/wav`) until DELETE /recordings/stored/{name}.
 */
export function recordingControls(ctx: AriContext): DriverRecordings {
  const pause = async (recordingId: string, paused: boolean) => {
    ctx.assertRunning();
    const what = `${paused ? 'pausing' : 'resuming'} recording ${recordingId}`;
    await ctx.call(paused ? 'POST' : 'DELETE', `/recordings/live/${enc(recordingId)}/pause`, undefined, what);
    ctx.state.pauseRecording(recordingId, paused);
  };
  return {
    pause: (recordingId) => pause(recordingId, true),
    resume: (recordingId) => pause(recordingId, false),
    async file(recordingId) {
      ctx.assertRunning();
      try {
        return await ctx.client.download(`/recordings/stored/${enc(recordingId)}/file`);
      } catch (error) {
        throw toDriverError(error, `reading recording ${recordingId}`);
      }
    },
    async remove(recordingId) {
      ctx.assertRunning();
      const path = `/recordings/stored/${enc(recordingId)}`;
      await ctx.call('DELETE', path, undefined, `deleting recording ${recordingId}`);
    },
  };
}
