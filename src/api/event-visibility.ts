import type { CallSnapshot } from '../core/call.ts';
import type { DomainEvent } from '../core/events.ts';

/** The agents a call is about: who took it, and every agent with a leg on it. */
export function callAgents(call: CallSnapshot): string[] {
  const agents = call.legs.flatMap((leg) => (leg.agentId === undefined ? [] : [leg.agentId]));
  if (call.agentId !== undefined) agents.push(call.agentId);
  return agents;
}

/** The agents an event is about: its own `agentId`, and those of the call it carries. */
export function eventAgents(event: DomainEvent): string[] {
  const agents: string[] = [];
  const own = (event as { agentId?: string }).agentId;
  if (own !== undefined) agents.push(own);
  const call = (event.data as { call?: CallSnapshot } | undefined)?.call;
  if (call?.legs !== undefined) agents.push(...callAgents(call));
  return agents;
}

/** Whether an agent may see an event: only those about itself or its calls. */
export function visibleToAgent(event: DomainEvent, agentId: string): boolean {
  return eventAgents(event).includes(agentId);
}
