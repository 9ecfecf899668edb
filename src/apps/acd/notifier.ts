import type { Agent, AgentState } from '../../core/agent.ts';
import type { NewDomainEvent } from '../../core/events.ts';
import type { AcdEventDataMap, QueueStats } from './events.ts';

/** The one place the ACD publishes its events: agents' states and callers' places in queues. */
export class AcdNotifier {
  constructor(private readonly publish: (event: NewDomainEvent) => Promise<unknown>) {}

  /** An agent changed state; names the call the new state is about, if any. */
  agentState(agent: Agent, previous: AgentState): Promise<unknown> {
    return this.publish({
      type: 'agent.state',
      agentId: agent.id,
      ...(agent.status.callId !== undefined && { callId: agent.status.callId }),
      data: { agent, previous },
    });
  }

  /** An agent's phone registered or left the PBX (`agent.phone.registered`). */
  agentPhone(agent: Agent): Promise<unknown> {
    return this.publish({ type: 'agent.phone', agentId: agent.id, data: { agent } });
  }

  /** A caller entered a queue at `data.position`. */
  queueEntered(data: AcdEventDataMap['queue.entered']): Promise<unknown> {
    return this.publish({ type: 'queue.entered', callId: data.callId, queueId: data.queueId, data });
  }

  /** A waiting caller moved to another place. */
  queuePosition(data: AcdEventDataMap['queue.position']): Promise<unknown> {
    return this.publish({ type: 'queue.position', callId: data.callId, queueId: data.queueId, data });
  }

  /** A caller left a queue (answered, abandoned, overflowed, ...). */
  queueLeft(data: AcdEventDataMap['queue.left']): Promise<unknown> {
    return this.publish({ type: 'queue.left', callId: data.callId, queueId: data.queueId, data });
  }

  /** A queue's periodic figures. */
  queueStats(stats: QueueStats): Promise<unknown> {
    return this.publish({ type: 'queue.stats', queueId: stats.queueId, data: { stats } });
  }
}
