import type { CallSnapshot } from '../../core/call.ts';
import { isFinal } from '../../core/call.ts';
import { type Clock, iso } from '../../core/clock.ts';
import { SwitchboardError } from '../../core/errors.ts';
import type { DomainEvent, NewDomainEvent } from '../../core/events.ts';
import { type Log, SILENT_LOG } from '../../core/log.ts';
import type { RouteDestination } from '../../core/routing.ts';
import { KeyedSerialQueue } from '../../core/serial-queue.ts';
import type { CallControl, CallMedia, EventFeed } from '../../engine/types.ts';
import { createOutboundFetch } from '../../net/outbound-fetch.ts';
import { createOutboundPolicy } from '../../net/outbound-policy.ts';
import type { Store, StoredFlow } from '../../store/types.ts';
import type { AcdService } from '../acd/acd-service.ts';
import type { IvrOutcome } from './events.ts';
import type { Value } from './expressions.ts';
import type { LoadedFlow } from './flow.ts';
import { FlowCatalog, type FolderReport } from './flow-catalog.ts';
import type { FetchLike } from './http-client.ts';
import type { NodeInput, Step } from './nodes/types.ts';
import { IvrNotifier } from './notifier.ts';
import { IvrSession, variables } from './session.ts';
import { type RunHost, SessionRun } from './session-run.ts';

/** How a site configures the IVR. */
export interface IvrOptions {
  /**
   * Site-wide variables (the business application's base URL, a token, ...): they take precedence
   * over a flow's own `variables`, so shipped flows are pointed at a site without editing them.
   */
  readonly variables?: Readonly<Record<string, string | number | boolean | null>>;
  /** A folder of flow files (YAML or JSON) loaded at start. */
  readonly flowsDir?: string;
  /**
   * The HTTP client of `http` nodes; unless given, one under the default outbound policy (no
   * loopback, private or link-local targets).
   */
  readonly fetch?: FetchLike;
}

/** What the IVR works with: the engine, the ACD, the store, the clock. */
export interface IvrDeps {
  readonly engine: CallControl & CallMedia & { readonly events: EventFeed };
  readonly acd: Pick<AcdService, 'handle' | 'enqueue' | 'listQueues'>;
  readonly publish: (event: NewDomainEvent) => Promise<unknown>;
  readonly store: Pick<Store, 'flows' | 'calls'>;
  readonly clock: Clock;
  readonly options?: IvrOptions;
  readonly log?: Log;
}

/** A live session as the API shows it. */
export interface IvrSessionView {
  readonly callId: string;
  readonly flowId: string;
  readonly version: number;
  readonly node: string;
  readonly startedAt: string;
  readonly variables: Readonly<Record<string, Value>>;
  readonly trace: IvrTraceEntry[];
}

/** One step of a session as kept in the call record (`context.ivr.trace`). */
export type IvrTraceEntry = { readonly at: string; readonly node: string; readonly event: string } & Readonly<
  Record<string, Value>
>;

/** What the call record keeps of an IVR session, under `context.ivr`. */
export interface IvrRecord {
  readonly flowId: string;
  readonly version: number;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly outcome: IvrOutcome;
  readonly lastNode: string;
  readonly trace: readonly IvrTraceEntry[];
  /** Steps left out of `trace` because the session was very long. */
  readonly droppedTraceEntries?: number;
}

/** Nodes entered in a row without waiting for anything: a loop across flows, ended rather than spun. */
const MAX_HOPS = 100;

/**
 * The IVR: takes the calls the inbound routing table sends to a flow, answers them, and runs each
 * caller through the flow version it started in — prompts, digits, look-ups, hand-off to a queue.
 *
 * Each call's work runs in order in its own lane (calls are independent); nothing in a lane waits on
 * the network or a timer: nodes start things and return, and outcomes (digits, prompt ends, timers,
 * HTTP answers) come back through the lane. When a session ends its trace is kept, and written into
 * the call's record (`context.ivr`) once the call has ended — the record the engine wrote last, so
 * nothing overwrites it.
 */
export class IvrService {
  readonly flows: FlowCatalog;
  private readonly lane = new KeyedSerialQueue();
  private readonly live = new Map<string, IvrSession>();
  /** Sessions over whose call goes on (in a queue, transferred): their trace waits for the call's end. */
  private readonly finished = new Map<string, { session: IvrSession; outcome: IvrOutcome; at: number }>();
  /** Calls handed to the IVR and not yet written back; events about other calls are ignored at once. */
  private readonly tracked = new Set<string>();
  private readonly notifier: IvrNotifier;
  private readonly host: RunHost;
  private readonly log: Log;
  private readonly siteVariables: Readonly<Record<string, unknown>>;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: IvrDeps) {
    this.log = deps.log ?? SILENT_LOG;
    this.notifier = new IvrNotifier(deps.publish);
    this.flows = new FlowCatalog(deps.store.flows, deps.clock, this.log);
    this.siteVariables = deps.options?.variables ?? {};
    this.host = {
      calls: deps.engine,
      queues: deps.acd,
      clock: deps.clock,
      notifier: this.notifier,
      fetch: deps.options?.fetch ?? createOutboundFetch(createOutboundPolicy()),
      log: this.log,
      deliver: (callId, step, input) => this.deliver(callId, step, input),
    };
  }

  /** Loads the flows folder (if configured), takes `ivr` routes from the ACD, follows call events. */
  async start(): Promise<FolderReport | undefined> {
    const dir = this.deps.options?.flowsDir;
    const report = dir === undefined ? undefined : await this.flows.loadFolder(dir);
    this.deps.acd.handle('ivr', (callId, destination) => this.take(callId, destination));
    this.unsubscribe = this.deps.engine.events.subscribe((event) => this.onEvent(event));
    return report;
  }

  /** Waits for work in flight, then stops following events and cancels what sessions wait for. */
  async stop(): Promise<void> {
    await this.idle();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const session of this.live.values()) {
      if (session.timers) for (const timer of session.timers.values()) this.deps.clock.clearTimer(timer);
      session.request?.abort();
    }
  }

  idle(): Promise<void> {
    return this.lane.idle();
  }

  get busy(): boolean {
    return this.lane.size > 0;
  }

  // --- flows (the API's side) -----------------------------------------------------------------------

  /** Validates and stores a flow (object or YAML/JSON text) as a new version, unless unchanged. */
  async saveFlow(body: unknown): Promise<{ flow: StoredFlow; created: boolean }> {
    return this.flows.save(this.flows.check(body));
  }

  /** Validates a flow without storing it. */
  validateFlow(body: unknown): { id: string; nodes: number } {
    const check = this.flows.check(body);
    return { id: check.definition.id, nodes: check.compiled.nodes.size };
  }

  // --- sessions ------------------------------------------------------------------------------------

  /** Callers in an IVR right now. */
  sessions(): IvrSessionView[] {
    return [...this.live.values()].map((s) => this.view(s));
  }

  /** One caller's live session; NOT_FOUND when the call is in no IVR. */
  session(callId: string): IvrSessionView {
    const session = this.live.get(callId);
    if (!session) {
      throw new SwitchboardError(
        'SESSION_NOT_FOUND',
        `Call ${callId} is in no IVR now; a finished session is in the call record (context.ivr).`,
        { callId },
      );
    }
    return this.view(session);
  }

  get liveCount(): number {
    return this.live.size;
  }

  // --- taking calls ------------------------------------------------------------------------------

  /** The ACD's route handler: the flow must exist, else the ACD refuses the call. */
  private async take(callId: string, destination: RouteDestination): Promise<void> {
    if (destination.kind !== 'ivr') return;
    const flow = await this.flows.current(destination.flowId);
    if (!flow) {
      throw new SwitchboardError('FLOW_NOT_FOUND', `No IVR flow has id "${destination.flowId}".`, {
        flowId: destination.flowId,
      });
    }
    this.tracked.add(callId);
    // Not awaited: the session runs in the IVR's lane, never in the ACD's (an `enqueue` node calls
    // back into the ACD).
    this.schedule(callId, () => this.begin(callId, flow));
  }

  private async begin(callId: string, flow: LoadedFlow): Promise<void> {
    if (this.live.has(callId)) return;
    let call: CallSnapshot;
    try {
      call = await this.deps.engine.answer(callId);
    } catch (error) {
      // The caller hung up while being routed: nothing to run, nothing to record.
      this.log.warn({ err: error, callId }, 'IVR could not answer the call');
      this.tracked.delete(callId);
      return;
    }
    const now = this.deps.clock.now();
    const vars = variables(flow.compiled.variables, this.siteVariables, {
      caller: call.from,
      dialled: call.to,
      callId,
      language: flow.compiled.language,
      context: call.context,
      digits: null,
      attempt: 1,
      http_status: null,
    });
    const session = new IvrSession(callId, flow, now, vars);
    this.live.set(callId, session);
    session.note(now, 'start', { flowId: flow.id, version: flow.version });
    await this.notifier.started(session, call);
    await this.guard(session, async () => ({ go: flow.compiled.start }));
  }

  // --- running ---------------------------------------------------------------------------------------

  private deliver(callId: string, step: number | undefined, input: NodeInput): void {
    this.schedule(callId, async () => {
      const session = this.live.get(callId);
      if (!session || (step !== undefined && step !== session.step)) return;
      if (input.type === 'timer') session.timers?.delete(input.name);
      if (input.type === 'http') session.request = undefined;
      await this.hear(session, input);
    });
  }

  private async hear(session: IvrSession, input: NodeInput): Promise<void> {
    session.hops = 0;
    const runner = session.flow.compiled.nodes.get(session.node)!;
    await this.guard(session, () => runner.on(new SessionRun(this.host, session), input));
  }

  /** Runs a step and follows where it leads; a failure ends the session instead of leaving it stuck. */
  private async guard(session: IvrSession, work: () => Promise<Step>): Promise<void> {
    try {
      await this.follow(session, await work());
    } catch (error) {
      await this.failed(session, error);
    }
  }

  private async follow(session: IvrSession, first: Step): Promise<void> {
    let step = first;
    while (step !== undefined) {
      if ('end' in step) {
        await this.end(session, step.end, step.hangup);
        return;
      }
      if ('flow' in step) {
        const target = await this.flows.current(step.flow);
        if (!target) {
          session.note(this.deps.clock.now(), 'goto', { flow: step.flow, error: 'no such flow' });
          await this.end(session, 'error', true);
          return;
        }
        session.note(this.deps.clock.now(), 'goto', { flow: target.id, version: target.version });
        session.flow = target;
        // The other flow's defaults fill what the caller lacks; what is set (and the site's) stays.
        for (const [name, value] of Object.entries(target.compiled.variables)) {
          if (!(name in session.vars)) session.vars[name] = value;
        }
        step = await this.enter(session, step.node ?? target.compiled.start);
      } else {
        step = await this.enter(session, step.go);
      }
    }
  }

  private async enter(session: IvrSession, nodeId: string): Promise<Step> {
    await this.leave(session, true);
    const now = this.deps.clock.now();
    const runner = session.flow.compiled.nodes.get(nodeId);
    if (!runner || ++session.hops > MAX_HOPS) {
      session.note(now, 'error', {
        error: runner
          ? `${MAX_HOPS} nodes without waiting: a loop`
          : `no node "${nodeId}" in ${session.flow.id}`,
      });
      return { end: 'error', hangup: true };
    }
    session.node = nodeId;
    session.step++;
    session.state = undefined;
    session.visit(nodeId);
    session.note(now, 'enter', { kind: runner.kind });
    await this.notifier.node(session, runner.kind);
    return runner.exec(new SessionRun(this.host, session));
  }

  /** Stops what the current node started: timers, a request in flight, its prompt, its own things. */
  private async leave(session: IvrSession, callAlive: boolean): Promise<void> {
    if (session.timers) {
      for (const timer of session.timers.values()) this.deps.clock.clearTimer(timer);
      session.timers = undefined;
    }
    session.request?.abort();
    session.request = undefined;
    const playing = session.playing;
    session.playing = undefined;
    if (callAlive && playing !== undefined) {
      await this.deps.engine.stopPlayback(session.callId, playing).catch(() => undefined);
    }
    const runner = session.flow.compiled.nodes.get(session.node);
    if (runner && session.step > 0) {
      await runner.kill(new SessionRun(this.host, session)).catch((err) => {
        this.log.warn({ err, callId: session.callId }, 'IVR node could not be stopped');
      });
    }
  }

  private async end(session: IvrSession, outcome: IvrOutcome, hangup: boolean): Promise<void> {
    if (this.live.get(session.callId) !== session) return;
    await this.leave(session, outcome !== 'caller_hangup');
    this.live.delete(session.callId);
    const now = this.deps.clock.now();
    session.note(now, 'end', { outcome });
    this.finished.set(session.callId, { session, outcome, at: now });
    await this.notifier.ended(session, outcome, now);
    if (hangup) await this.deps.engine.hangup(session.callId).catch(() => undefined);
  }

  private async failed(session: IvrSession, error: unknown): Promise<void> {
    if (this.live.get(session.callId) !== session) return;
    const call = await this.deps.engine.get(session.callId).catch(() => undefined);
    if (call === undefined || isFinal(call.status)) {
      // The caller hung up under the node's feet; the call's end is on its way.
      await this.end(session, 'caller_hangup', false);
      return;
    }
    this.log.error({ err: error, callId: session.callId, node: session.node }, 'IVR step failed');
    session.note(this.deps.clock.now(), 'error', { error: (error as Error)?.message ?? String(error) });
    await this.end(session, 'error', true);
  }

  // --- events ------------------------------------------------------------------------------------

  private onEvent(event: DomainEvent): void {
    const callId = event.callId;
    if (callId === undefined || !this.tracked.has(callId)) return;
    switch (event.type) {
      case 'call.dtmf':
        if (event.data.direction === 'in')
          this.deliver(callId, undefined, { type: 'digit', digit: event.data.digit });
        return;
      case 'call.playback.finished': {
        const playbackId = event.data.playbackId;
        this.schedule(callId, async () => {
          const session = this.live.get(callId);
          // A prompt stopped by a key, or by leaving the node, ends quietly.
          if (!session || session.playing !== playbackId) return;
          session.playing = undefined;
          await this.hear(session, { type: 'played' });
        });
        return;
      }
      case 'call.recording.finished':
        this.deliver(callId, undefined, {
          type: 'recorded',
          recordingId: event.data.recordingId,
          durationMs: event.data.durationMs,
        });
        return;
      case 'call.ended':
      case 'call.failed':
        this.schedule(callId, () => this.callEnded(event.data.call));
        return;
      default:
        return;
    }
  }

  private async callEnded(call: CallSnapshot): Promise<void> {
    const session = this.live.get(call.id);
    if (session) {
      session.note(this.deps.clock.now(), 'hangup', { endReason: call.endReason ?? null });
      await this.end(session, 'caller_hangup', false);
    }
    const done = this.finished.get(call.id);
    this.finished.delete(call.id);
    this.tracked.delete(call.id);
    if (!done) return;
    const ivr = this.record(done.session, done.outcome, done.at);
    try {
      const stored = (await this.deps.store.calls.get(call.id)) ?? call;
      await this.deps.store.calls.save({ ...stored, context: { ...stored.context, ivr } });
    } catch (err) {
      this.log.error({ err, callId: call.id }, 'IVR trace could not be kept in the call record');
    }
  }

  // --- helpers ---------------------------------------------------------------------------------------

  private record(session: IvrSession, outcome: IvrOutcome, at: number): IvrRecord {
    return {
      flowId: session.entry.id,
      version: session.entry.version,
      startedAt: iso(session.startedAt),
      endedAt: iso(at),
      outcome,
      lastNode: session.node,
      trace: this.traceOf(session),
      ...(session.dropped > 0 && { droppedTraceEntries: session.dropped }),
    };
  }

  private traceOf(session: IvrSession): IvrTraceEntry[] {
    return session.trace.map((entry) => ({
      at: iso(session.startedAt + entry.t),
      node: entry.node,
      event: entry.event,
      ...entry.detail,
    }));
  }

  private view(session: IvrSession): IvrSessionView {
    return {
      callId: session.callId,
      flowId: session.flow.id,
      version: session.flow.version,
      node: session.node,
      startedAt: iso(session.startedAt),
      // Site variables may hold credentials (an API token); they are configuration, not session data.
      variables: Object.fromEntries(
        Object.entries(session.vars).filter(([name]) => !Object.hasOwn(this.siteVariables, name)),
      ),
      trace: this.traceOf(session),
    };
  }

  private schedule(callId: string, work: () => Promise<void>): void {
    void this.lane.run(callId, work).catch((err) => this.log.error({ err, callId }, 'IVR work failed'));
  }
}
