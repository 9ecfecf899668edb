import type { Clock, TimerHandle } from '../../core/clock.ts';
import {
  DriverError,
  type DriverEvent,
  type DriverRecordings,
  type RecordingFile,
  type RecordingTarget,
} from '../driver.ts';
import type { TwilioChannel } from './twilio-channels.ts';
import type { TwilioRest } from './twilio-rest.ts';

/** One recording: Twilio's recording of one call (a bridge is recorded through one of its calls). */
interface TwilioRecording {
  readonly id: string;
  readonly target: RecordingTarget;
  readonly callSid: string;
  sid?: string;
  state: 'recording' | 'paused' | 'finished';
  /** Time recorded before the current stretch, and when that stretch began (undefined while paused). */
  recordedMs: number;
  since: number | undefined;
  url?: string;
  timer?: TimerHandle;
}

export interface RecordingDeps {
  readonly rest: TwilioRest;
  readonly clock: Clock;
  readonly accountSid: string;
  emit(event: DriverEvent): void;
  /** The callback URL of a recording's status. */
  callbackUrl(recordingId: string): string;
}

/**
 * Call recordings on Twilio (the Call Recordings API): started on a call, paused and resumed by
 * updating it, finished when stopped or when the call ends, as Twilio's `completed` recording callback
 * says; its file is Twilio's WAV of it. The duration reported is the time recorded, pauses left out,
 * by the driver's clock (Twilio's `RecordingDuration` is in whole seconds).
 */
export class TwilioRecordings implements DriverRecordings {
  private readonly recordings = new Map<string, TwilioRecording>();
  /** Stops the longest-duration timers started, still on their way to Twilio. */
  private timedStops = new Set<Promise<void>>();

  constructor(private readonly deps: RecordingDeps) {}

  async start(target: RecordingTarget, recordingId: string, channel: TwilioChannel, maxDurationMs?: number) {
    if (this.recordings.has(recordingId))
      throw new DriverError('invalid', `recording "${recordingId}" exists`);
    if (!channel.sid) throw new DriverError('invalid', `channel "${channel.id}" has no Twilio call yet`);
    const recording: TwilioRecording = {
      id: recordingId,
      target,
      callSid: channel.sid,
      state: 'recording',
      recordedMs: 0,
      since: this.deps.clock.now(),
    };
    this.recordings.set(recordingId, recording);
    try {
      const created = await this.deps.rest.calls(channel.sid).recordings.create({
        recordingStatusCallback: this.deps.callbackUrl(recordingId),
        recordingStatusCallbackMethod: 'POST',
        recordingStatusCallbackEvent: ['completed'],
        recordingChannels: 'mono',
      });
      recording.sid = created.sid;
    } catch (error) {
      this.recordings.delete(recordingId);
      throw error;
    }
    if (maxDurationMs !== undefined) {
      recording.timer = this.deps.clock.setTimer(maxDurationMs, () => {
        const stopping = this.stop(recordingId).catch(() => undefined);
        this.timedStops.add(stopping);
        void stopping.finally(() => this.timedStops.delete(stopping));
      });
    }
  }

  /** Resolves once the stops its timers began have reached Twilio. */
  async idle(): Promise<void> {
    await Promise.all([...this.timedStops]);
  }

  async stop(recordingId: string): Promise<void> {
    const recording = this.live(recordingId);
    await this.update(recording, 'stopped');
    this.finish(recording);
  }

  async pause(recordingId: string): Promise<void> {
    const recording = this.live(recordingId);
    if (recording.state === 'paused') return;
    await this.update(recording, 'paused');
    recording.recordedMs += this.deps.clock.now() - (recording.since ?? this.deps.clock.now());
    recording.since = undefined;
    recording.state = 'paused';
  }

  async resume(recordingId: string): Promise<void> {
    const recording = this.live(recordingId);
    if (recording.state === 'recording') return;
    await this.update(recording, 'in-progress');
    recording.since = this.deps.clock.now();
    recording.state = 'recording';
  }

  async file(recordingId: string): Promise<RecordingFile> {
    const recording = this.finished(recordingId);
    const bytes = (await this.deps.rest.request({
      method: 'get',
      uri: `https://api.twilio.com/2010-04-01/Accounts/${this.deps.accountSid}/Recordings/${recording.sid}.wav`,
    })) as { body: Buffer };
    const body = bytes.body;
    return {
      contentType: 'audio/wav',
      size: body.length,
      body: (async function* () {
        yield new Uint8Array(body);
      })(),
    };
  }

  async remove(recordingId: string): Promise<void> {
    const recording = this.finished(recordingId);
    await this.deps.rest.recordings(recording.sid).remove();
    this.recordings.delete(recordingId);
  }

  /** Twilio's recording status callback: `completed` finishes it (the call ended, or it was stopped). */
  completed(recordingId: string, sid: string | undefined, url: string | undefined): void {
    const recording = this.recordings.get(recordingId);
    if (!recording || recording.state === 'finished') return;
    if (sid && !recording.sid) recording.sid = sid;
    if (url) recording.url = url;
    this.finish(recording);
  }

  /** The call a recording is made on ended: Twilio completes it; the driver reports it at once. */
  callEnded(callSid: string): void {
    for (const recording of this.recordings.values()) {
      if (recording.callSid === callSid && recording.state !== 'finished') this.finish(recording);
    }
  }

  private finish(recording: TwilioRecording): void {
    if (recording.state === 'finished') return;
    if (recording.since !== undefined) recording.recordedMs += this.deps.clock.now() - recording.since;
    recording.since = undefined;
    recording.state = 'finished';
    if (recording.timer) this.deps.clock.clearTimer(recording.timer);
    this.deps.emit({
      type: 'recording.finished',
      recordingId: recording.id,
      target: recording.target,
      durationMs: recording.recordedMs,
    });
  }

  private async update(recording: TwilioRecording, status: 'paused' | 'in-progress' | 'stopped') {
    if (!recording.sid) throw new DriverError('invalid', `recording "${recording.id}" has not started yet`);
    await this.deps.rest.calls(recording.callSid).recordings(recording.sid).update({ status });
  }

  private finished(recordingId: string): TwilioRecording & { sid: string } {
    const recording = this.recordings.get(recordingId);
    if (recording?.state !== 'finished' || recording.sid === undefined) {
      throw new DriverError('not_found', `no finished recording "${recordingId}"`);
    }
    return recording as TwilioRecording & { sid: string };
  }

  private live(recordingId: string): TwilioRecording {
    const recording = this.recordings.get(recordingId);
    if (!recording || recording.state === 'finished') {
      throw new DriverError('not_found', `no recording "${recordingId}" in progress`);
    }
    return recording;
  }
}
