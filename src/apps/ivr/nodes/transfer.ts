import { edgesOf, failTo, nothingToHear, nothingToStop, reason } from './kit.ts';
import type { NodeFactory } from './types.ts';

/**
 * `transfer`: sends the caller on — to a number or endpoint (blind transfer), to one agent, or to a
 * queue — and the IVR session ends. A refused transfer goes to `error`, or hangs up without one.
 */
export const transfer: NodeFactory<'transfer'> = (def, kit) => {
  const to = def.to === undefined ? undefined : kit.template(def.to, 'to');
  return {
    kind: 'transfer',
    edges: edgesOf({ error: def.error }),
    waitsForCaller: false,
    async exec(run) {
      const callId = run.session.callId;
      const target: Record<string, string> =
        to !== undefined
          ? { to: to.render(run.scope) }
          : def.agent !== undefined
            ? { agent: def.agent }
            : { queue: def.queue! };
      try {
        if (to !== undefined) await run.calls.transfer(callId, target.to!);
        // A route to one agent waits in the ACD's personal queue of that agent, as routing does.
        else if (def.agent !== undefined) await run.queues.enqueue(callId, `agent:${def.agent}`, 'normal');
        else await run.queues.enqueue(callId, def.queue!, 'normal');
      } catch (error) {
        run.trace('transfer', { ...target, error: reason(error) });
        return failTo(def.error);
      }
      run.trace('transfer', target);
      return { end: 'transferred', hangup: false };
    },
    on: nothingToHear,
    kill: nothingToStop,
  };
};
