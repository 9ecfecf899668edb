import { type Agent, type AgentState, type AgentTransition, nextAgentState } from '../../core/agent.ts';
import { iso } from '../../core/clock.ts';
import type { AgentStateEntry } from '../../store/types.ts';
import type { AcdContext } from './context.ts';
import { agentView, type LiveAgent } from './live-agent.ts';
import type { QueueRuntime } from './queue-runtime.ts';

/** What a move may say beside the transition: why (a pause), and the call or offer it is about. */
export interface AgentChange {
  readonly reason?: string;
  readonly callId?: string;
  readonly offerLegId?: string;
}

/**
 * Moves an agent through the agent state table, and records and publishes the change. The only place an
 * agent's state changes, so the `agent.state` events and the state log are complete by construction.
 */
export function moveAgent(
  ctx: AcdContext,
  agent: LiveAgent,
  transition: AgentTransition,
  change: AgentChange = {},
): Promise<void> {
  return moveAgents(ctx, [agent], transition, change);
}

/**
 * Moves several agents the same way in one step (a ring-all offer reserves every free member): all
 * states change and their events are published before anything is awaited, the state log takes one
 * write beside them, and the events share a commit instead of waiting for one each. Every transition is
 * checked before any agent changes, so an illegal one leaves them all as they were.
 */
export async function moveAgents(
  ctx: AcdContext,
  agents: readonly LiveAgent[],
  transition: AgentTransition,
  change: AgentChange = {},
): Promise<void> {
  const nexts = agents.map((agent) => nextAgentState(agent.state, transition, agent.profile.id));
  const now = ctx.clock.now();
  const at = iso(now);
  const entries: AgentStateEntry[] = [];
  const events: Array<readonly [Agent, AgentState]> = [];
  agents.forEach((agent, i) => {
    const previous = agent.state;
    apply(ctx, agent, transition, previous, nexts[i]!, change, now);
    entries.push({
      agentId: agent.profile.id,
      state: agent.state,
      at,
      ...(agent.reason !== undefined && { reason: agent.reason }),
      ...(agent.callId !== undefined && { callId: agent.callId }),
    });
    events.push([agentView(agent), previous]);
  });
  // The events are in the stream (in order) before anything is awaited: what the caller does next (ring
  // the reserved agents) is published after them whether or not their commit is done.
  const published = events.map(([view, previous]) => ctx.notifier.agentState(view, previous));
  await Promise.all([ctx.stateLog.append(entries), ...published]);
}

function apply(
  ctx: AcdContext,
  agent: LiveAgent,
  transition: AgentTransition,
  previous: AgentState,
  next: AgentState,
  change: AgentChange,
  now: number,
): void {
  noteInQueues(ctx, agent, previous, next);
  agent.state = next;
  agent.since = now;
  agent.reason = next === 'away' ? (change.reason ?? 'paused') : undefined;
  agent.callId =
    next === 'reserved' || next === 'on_call' || next === 'wrap_up'
      ? (change.callId ?? agent.callId)
      : undefined;
  agent.offerLegId = next === 'reserved' ? change.offerLegId : undefined;
  if (next === 'available' && previous !== 'reserved') agent.idleSince = now;
  if (transition === 'login') {
    agent.callsAnswered = 0;
    agent.missedOffers = 0;
  }
  if (previous === 'wrap_up' || next === 'offline' || next === 'away') clearWrapUp(ctx, agent.profile.id);
}

/** Keeps the free-member sets and logged-in counts of the agent's queues in step with its state. */
function noteInQueues(ctx: AcdContext, agent: LiveAgent, previous: AgentState, next: AgentState): void {
  const freeChanged = (previous === 'available') !== (next === 'available');
  const loginChanged = (previous === 'offline') !== (next === 'offline');
  if (!freeChanged && !loginChanged) return;
  for (const queueId of agent.queues) {
    const queue = ctx.queues.get(queueId);
    if (!queue) continue;
    if (freeChanged) {
      if (next === 'available') queue.free.add(agent);
      else queue.free.delete(agent);
    }
    if (loginChanged) queue.loggedIn += next === 'offline' ? -1 : 1;
  }
}

/** Rebuilds a queue's member indexes from its configuration (when the queue is created or changed). */
export function indexMembers(ctx: AcdContext, queue: QueueRuntime): void {
  const ids = new Set(queue.config.members);
  queue.memberIndex = new Map([...ids].map((id, i) => [id, i]));
  queue.free.clear();
  queue.loggedIn = 0;
  for (const id of ids) {
    const agent = ctx.agents.get(id);
    if (agent?.state === 'available') queue.free.add(agent);
    if (agent !== undefined && agent.state !== 'offline') queue.loggedIn++;
  }
}

function clearWrapUp(ctx: AcdContext, agentId: string): void {
  const timer = ctx.wrapUps.get(agentId);
  if (timer) ctx.clock.clearTimer(timer);
  ctx.wrapUps.delete(agentId);
}
