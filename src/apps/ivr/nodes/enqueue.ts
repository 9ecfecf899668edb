import type { QueueConfig } from '../../../core/queue.ts';
import { edgesOf, failTo, nothingToHear, nothingToStop, reason } from './kit.ts';
import type { NodeFactory } from './types.ts';

/**
 * `enqueue`: hands the caller to an ACD queue with a priority; the IVR session ends there and the
 * ACD plays music on hold until an agent takes the call. With `skills` instead of `queue`, the queue
 * is the one whose required skills cover the ones asked for at their levels, the closest match
 * first (fewest other requirements), then by id.
 */
export const enqueue: NodeFactory<'enqueue'> = (def, kit) => {
  const queue = def.queue === undefined ? undefined : kit.template(def.queue, 'queue');
  return {
    kind: 'enqueue',
    edges: edgesOf({ error: def.error }),
    waitsForCaller: false,
    async exec(run) {
      const queueId =
        queue === undefined ? bySkills(run.queues.listQueues(), def.skills ?? {}) : queue.render(run.scope);
      if (queueId === undefined) {
        run.trace('enqueue', { error: 'no queue has these skills', skills: def.skills ?? {} });
        return failTo(def.error);
      }
      try {
        await run.queues.enqueue(run.session.callId, queueId, def.priority);
      } catch (error) {
        run.trace('enqueue', { queue: queueId, error: reason(error) });
        return failTo(def.error);
      }
      run.trace('enqueue', { queue: queueId, priority: def.priority });
      return { end: 'enqueued', hangup: false };
    },
    on: nothingToHear,
    kill: nothingToStop,
  };
};

function bySkills(
  queues: readonly QueueConfig[],
  wanted: Readonly<Record<string, number>>,
): string | undefined {
  const covering = queues.filter((q) =>
    Object.entries(wanted).every(([skill, level]) => (q.requiredSkills[skill] ?? 0) >= level),
  );
  covering.sort(
    (a, b) =>
      Object.keys(a.requiredSkills).length - Object.keys(b.requiredSkills).length || a.id.localeCompare(b.id),
  );
  return covering[0]?.id;
}
