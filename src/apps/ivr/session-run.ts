import type { Clock } from '../../core/clock.ts';
import type { Log } from '../../core/log.ts';
import type { CallControl, CallMedia } from '../../engine/types.ts';
import { isOpen } from '../acd/business-hours.ts';
import type { EvalScope, Value } from './expressions.ts';
import { type FetchLike, type HttpRequest, performRequest } from './http-client.ts';
import type { InputReport, NodeInput, NodeRun, QueueDesk } from './nodes/types.ts';
import type { IvrNotifier } from './notifier.ts';
import { type CompiledPrompt, renderPrompt } from './prompts.ts';
import type { IvrSession } from './session.ts';

/** What the IVR service lends the sessions it runs. */
export interface RunHost {
  readonly calls: CallControl & CallMedia;
  readonly queues: QueueDesk;
  readonly clock: Clock;
  readonly notifier: IvrNotifier;
  readonly fetch: FetchLike;
  readonly log: Pick<Log, 'warn'>;
  /**
   * Feeds something a session waits for into the IVR's lane. With `step`, it is dropped if the session
   * has left the node that asked for it meanwhile.
   */
  deliver(callId: string, step: number | undefined, input: NodeInput): void;
}

/**
 * A node's view of its session (see NodeRun): made for each step, so that a waiting session holds
 * nothing but its own state. Timers, the playback and the request it starts are recorded on the
 * session, which stops them all when it leaves the node.
 */
export class SessionRun implements NodeRun {
  readonly scope: EvalScope;

  constructor(
    private readonly host: RunHost,
    readonly session: IvrSession,
  ) {
    this.scope = {
      variable: (name) => session.vars[name],
      visits: (node) => session.visits(node),
      open: (name) => {
        const hours = session.flow.compiled.hours.get(name);
        return hours !== undefined && isOpen(hours, host.clock.now());
      },
      now: () => host.clock.now(),
    };
  }

  get calls(): CallControl & CallMedia {
    return this.host.calls;
  }

  get queues(): QueueDesk {
    return this.host.queues;
  }

  now(): number {
    return this.host.clock.now();
  }

  async play(prompt: CompiledPrompt): Promise<void> {
    const { session } = this;
    const flowLanguage = session.flow.compiled.language;
    const asked = session.vars.language;
    const rendered = renderPrompt(
      prompt,
      typeof asked === 'string' ? asked : flowLanguage,
      flowLanguage,
      this.scope,
    );
    session.note(
      this.now(),
      'prompt',
      rendered.media === rendered.text
        ? { text: rendered.text }
        : { text: rendered.text, media: rendered.media },
    );
    await this.host.notifier.prompt(session, rendered);
    if (rendered.media === '') {
      this.host.deliver(session.callId, session.step, { type: 'played' });
      return;
    }
    try {
      session.playing = await this.host.calls.play(session.callId, rendered.media);
    } catch (error) {
      // A driver that cannot play must not leave the flow waiting for an end that never comes.
      this.host.log.warn({ err: error, callId: session.callId }, 'IVR prompt could not be played');
      session.note(this.now(), 'error', { prompt: rendered.text, error: (error as Error).message });
      this.host.deliver(session.callId, session.step, { type: 'played' });
    }
  }

  async stopPlayback(): Promise<void> {
    const playing = this.session.playing;
    if (playing === undefined) return;
    this.session.playing = undefined;
    await this.host.calls.stopPlayback(this.session.callId, playing).catch(() => undefined);
  }

  timer(name: string, ms: number): void {
    const { session, host } = this;
    this.cancelTimer(name);
    const step = session.step;
    session.timers ??= new Map();
    session.timers.set(
      name,
      host.clock.setTimer(ms, () => host.deliver(session.callId, step, { type: 'timer', name })),
    );
  }

  cancelTimer(name: string): void {
    const handle = this.session.timers?.get(name);
    if (handle === undefined) return;
    this.host.clock.clearTimer(handle);
    this.session.timers!.delete(name);
  }

  request(request: HttpRequest): void {
    const { session, host } = this;
    const controller = new AbortController();
    session.request = controller;
    const step = session.step;
    session.note(this.now(), 'request', { method: request.method, url: request.url });
    // Not awaited: the answer comes back through the lane, so the lane (and virtual time) never waits
    // on the network.
    void performRequest(request, controller.signal, host.fetch).then((result) => {
      if (!controller.signal.aborted) host.deliver(session.callId, step, { type: 'http', result });
    });
  }

  async input(report: InputReport): Promise<void> {
    this.session.note(this.now(), 'input', {
      result: report.result,
      attempt: report.attempt,
      ...(report.digits !== undefined && { digits: report.digits }),
    });
    await this.host.notifier.input(this.session, report);
  }

  trace(event: string, detail?: Readonly<Record<string, Value>>): void {
    this.session.note(this.now(), event, detail);
  }
}
