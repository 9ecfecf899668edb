import type { CallSnapshot } from '../../core/call.ts';
import type { NewDomainEvent } from '../../core/events.ts';
import type { IvrOutcome } from './events.ts';
import type { InputReport } from './nodes/types.ts';
import type { RenderedPrompt } from './prompts.ts';
import type { IvrSession } from './session.ts';

/** The one place the IVR publishes its events; each names the call and the flow version. */
export class IvrNotifier {
  constructor(private readonly publish: (event: NewDomainEvent) => Promise<unknown>) {}

  started(session: IvrSession, call: CallSnapshot): Promise<unknown> {
    return this.publish({
      type: 'ivr.started',
      callId: session.callId,
      data: {
        ...ref(session),
        from: call.from,
        to: call.to,
        language: String(session.vars.language ?? session.flow.compiled.language),
      },
    });
  }

  node(session: IvrSession, kind: string): Promise<unknown> {
    return this.publish({
      type: 'ivr.node',
      callId: session.callId,
      data: { ...ref(session), node: session.node, kind },
    });
  }

  prompt(session: IvrSession, prompt: RenderedPrompt): Promise<unknown> {
    return this.publish({
      type: 'ivr.prompt',
      callId: session.callId,
      data: {
        ...ref(session),
        node: session.node,
        text: prompt.text,
        media: prompt.media,
        language: prompt.language,
      },
    });
  }

  input(session: IvrSession, report: InputReport): Promise<unknown> {
    return this.publish({
      type: 'ivr.input',
      callId: session.callId,
      data: { ...ref(session), node: session.node, ...report },
    });
  }

  ended(session: IvrSession, outcome: IvrOutcome, at: number): Promise<unknown> {
    return this.publish({
      type: 'ivr.ended',
      callId: session.callId,
      data: { ...ref(session), node: session.node, outcome, durationMs: at - session.startedAt },
    });
  }
}

const ref = (session: IvrSession) => ({ flowId: session.flow.id, version: session.flow.version });
