import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import type { CallSnapshot } from '../../core/call.ts';
import { type Clock, iso, type TimerHandle } from '../../core/clock.ts';
import { SwitchboardError } from '../../core/errors.ts';
import type { DomainEvent, NewDomainEvent } from '../../core/events.ts';
import { type Log, SILENT_LOG } from '../../core/log.ts';
import type { QueueConfig } from '../../core/queue.ts';
import type { InboundRoute } from '../../core/routing.ts';
import { KeyedSerialQueue } from '../../core/serial-queue.ts';
import type { CallControl, CallRecording, EventFeed } from '../../engine/types.ts';
import type { Store } from '../../store/types.ts';
import type { RecordingView } from './events.ts';
import { RecordingNotifier } from './notifier.ts';
import { RecordingFiles } from './recording-files.ts';
import { policyReason } from './recording-policy.ts';
import { RETENTION_SWEEP_MS, RecordingRetention } from './recording-retention.ts';
import { RecordingStorage, type StorageContext, viewOf } from './recording-storage.ts';

export interface RecordingDeps {
  readonly engine: Pick<CallControl, 'get'> & {
    readonly recordings: CallRecording;
    readonly events: EventFeed;
  };
  /** Where queues' and inbound routes' recording policies are read (the ACD). */
  readonly acd: {
    listQueues(): QueueConfig[];
    routeFor(dialled: string, caller: string, at: number): InboundRoute | undefined;
  };
  readonly publish: (event: NewDomainEvent) => Promise<unknown>;
  readonly store: Pick<Store, 'recordings' | 'calls'>;
  readonly clock: Clock;
  readonly log?: Log;
  readonly options: RecordingOptions;
}

export interface RecordingOptions {
  /** The folder recording files are kept in (`<data dir>/recordings`). */
  readonly dir: string;
  /** Days a stopped recording is kept (`RECORDING_RETENTION_DAYS`); absent: for ever. */
  readonly retentionDays?: number;
  /** Picks the sampled calls; Math.random unless a test fixes it. */
  readonly random?: () => number;
}

/** What a recording command does, as `POST /api/v1/calls/{callId}/recording` names it. */
export type RecordingAction = 'start' | 'stop' | 'pause' | 'resume';

/** A stored recording file, ready to send. */
export interface RecordingDownload {
  readonly recording: RecordingView;
  /** The file's name in the data folder (`<recording id>.wav`). */
  readonly fileName: string;
  readonly contentType: string;
  readonly size: number;
  readonly body: Readable;
}

/**
 * The recording app: records calls on demand and by policy (emergencies always; queues and inbound
 * routes as configured, sampled), keeps each recording's record and, once stopped, its file in the
 * data folder for download, and deletes old ones when a retention period is set. Its work runs in one
 * lane per call, so a call's recordings change in the order the engine reported them.
 */
export class RecordingService {
  private readonly lane = new KeyedSerialQueue();
  private readonly log: Log;
  private readonly storage: RecordingStorage;
  private readonly files: RecordingFiles;
  private readonly retention: RecordingRetention | undefined;
  private readonly random: () => number;
  private running = false;
  private unsubscribe: (() => void) | undefined;
  private sweepTimer: TimerHandle | undefined;

  constructor(private readonly deps: RecordingDeps) {
    this.log = deps.log ?? SILENT_LOG;
    this.random = deps.options.random ?? Math.random;
    this.files = new RecordingFiles(deps.options.dir);
    const ctx: StorageContext = {
      repository: deps.store.recordings,
      files: this.files,
      recordings: deps.engine.recordings,
      notifier: new RecordingNotifier(deps.publish),
      clock: deps.clock,
      log: this.log,
      schedule: (callId, work) => this.schedule(callId, work),
      isRunning: () => this.running,
    };
    this.storage = new RecordingStorage(ctx);
    const days = deps.options.retentionDays;
    this.retention = days === undefined ? undefined : new RecordingRetention(ctx, deps.store.calls, days);
  }

  /**
   * Takes over recordings a previous process left without a file (their calls were ended at start),
   * follows the engine's events, and starts the retention sweeps.
   */
  async start(): Promise<void> {
    this.running = true;
    const now = iso(this.deps.clock.now());
    for (const left of await this.deps.store.recordings.unstored()) {
      if (left.state !== 'stopped') {
        await this.deps.store.recordings.save({ ...left, state: 'stopped', endedAt: now });
      }
      this.schedule(left.callId, () => this.storage.store(left.id, { attempt: 0 }));
    }
    this.unsubscribe = this.deps.engine.events.subscribe((event) => this.onEvent(event));
    if (this.retention) this.sweep();
  }

  /** Stops the sweeps and retries; events are still followed until the engine has ended the calls. */
  stop(): void {
    this.running = false;
    if (this.sweepTimer) this.deps.clock.clearTimer(this.sweepTimer);
  }

  /** Once the calls have ended (their recordings stopped), stores what it can and stops following. */
  async afterCallsEnded(): Promise<void> {
    await this.idle();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  idle(): Promise<void> {
    return this.lane.idle();
  }

  get busy(): boolean {
    return this.lane.size > 0;
  }

  /** Starts, pauses, resumes or stops a call's recording; answers the recording it acted on. */
  async command(callId: string, action: RecordingAction, recordingId?: string): Promise<RecordingView> {
    const { recordings } = this.deps.engine;
    const call =
      action === 'start'
        ? await recordings.start(callId, 'on_demand')
        : await recordings[action](callId, recordingId);
    const all = call.recordings ?? [];
    const recording = recordingId === undefined ? all.at(-1) : all.find((r) => r.id === recordingId);
    if (!recording) throw new Error(`the engine answered call ${callId} without the recording`);
    return { ...recording, callId };
  }

  /** A call's recordings, oldest first; CALL_NOT_FOUND for a call that does not exist. */
  async list(callId: string): Promise<RecordingView[]> {
    await this.deps.engine.get(callId);
    return (await this.deps.store.recordings.listByCall(callId)).map(viewOf);
  }

  /**
   * A recording's file: RECORDING_NOT_FOUND, RECORDING_DELETED once retention took it, or
   * RECORDING_NOT_READY while it records or its file is not stored yet (fetched now if it can be).
   */
  async download(recordingId: string): Promise<RecordingDownload> {
    let record = await this.deps.store.recordings.get(recordingId);
    if (!record) throw notFound(recordingId);
    if (record.deletedAt !== undefined) {
      throw new SwitchboardError(
        'RECORDING_DELETED',
        `Recording ${recordingId} was deleted by the retention policy at ${record.deletedAt}.`,
        { recordingId, deletedAt: record.deletedAt },
      );
    }
    if (record.state !== 'stopped') {
      throw new SwitchboardError(
        'RECORDING_NOT_READY',
        `Recording ${recordingId} is still ${record.state}; stop it first.`,
        { recordingId, state: record.state },
      );
    }
    if (!record.file) {
      const { callId } = record;
      record = await this.lane.run(callId, () => this.storage.store(recordingId, undefined));
    }
    if (!record?.file) {
      throw new SwitchboardError(
        'RECORDING_NOT_READY',
        `The phone system has not handed over the file of recording ${recordingId} yet; retry shortly.`,
        { recordingId },
      );
    }
    const body = await this.files.open(record.file.path);
    if (!body) throw notFound(recordingId, 'its file is missing from the data folder');
    const { path, contentType, size } = record.file;
    return { recording: viewOf(record), fileName: basename(path), contentType, size, body };
  }

  private onEvent(event: DomainEvent): void {
    switch (event.type) {
      case 'call.answered': {
        const { call } = event.data;
        this.schedule(call.id, () => this.applyPolicy(call));
        return;
      }
      case 'call.recording.started':
      case 'call.recording.paused':
      case 'call.recording.resumed': {
        const { call, recordingId } = event.data;
        this.schedule(call.id, () => this.storage.keep(call, recordingId));
        return;
      }
      case 'call.recording.stopped': {
        const { call, recordingId } = event.data;
        this.schedule(call.id, async () => {
          await this.storage.keep(call, recordingId);
          await this.storage.store(recordingId, { attempt: 0 });
        });
        return;
      }
      default:
        return;
    }
  }

  /** A call just answered: recorded when a policy says so (and not being recorded already). */
  private async applyPolicy(call: CallSnapshot): Promise<void> {
    if (call.recordings?.some((r) => r.state !== 'stopped')) return;
    const reason = policyReason(
      call,
      {
        queue: (queueId) => this.deps.acd.listQueues().find((q) => q.id === queueId)?.recording,
        route: (c) => this.deps.acd.routeFor(c.to, c.from, Date.parse(c.startedAt))?.recording,
      },
      this.random,
    );
    if (reason === undefined) return;
    await this.deps.engine.recordings
      .start(call.id, reason)
      .catch((err) => this.log.warn({ err, callId: call.id, reason }, 'recording by policy failed'));
  }

  /** Runs a sweep now, and the next one an interval later. */
  private sweep(): void {
    this.schedule('retention', async () => {
      await this.retention?.sweep();
      if (this.running) this.sweepTimer = this.deps.clock.setTimer(RETENTION_SWEEP_MS, () => this.sweep());
    });
  }

  private schedule(key: string, work: () => Promise<unknown>): void {
    void this.lane.run(key, work).catch((err) => this.log.error({ err, key }, 'recording work failed'));
  }
}

function notFound(recordingId: string, why?: string): SwitchboardError {
  return new SwitchboardError(
    'RECORDING_NOT_FOUND',
    `No recording has id "${recordingId}"${why ? `: ${why}` : ''}.`,
    { recordingId },
  );
}
