import type { AcdContext } from './context.ts';
import { agentView, type LiveAgent } from './live-agent.ts';

/**
 * Agents' phones' registration. The engine reports phones by the driver's name for them (`PJSIP/1003`
 * for extension 1003 on Asterisk), which it gives when asked to watch a phone; the ACD keeps the last
 * state of each, so a report that comes before that answer is not lost.
 */

/** Asks the engine to report the agent's phone, if they have one; failures are logged, not thrown. */
export function watchPhone(ctx: AcdContext, agent: LiveAgent): void {
  const extension = agent.profile.phone?.extension;
  if (extension === undefined) return;
  ctx.engine.watchEndpoint(extension).then(
    (endpoint) => {
      if (endpoint === undefined || agent.profile.phone?.extension !== extension) return;
      agent.phoneEndpoint = endpoint;
      const registered = ctx.endpointStates.get(endpoint);
      if (registered !== undefined) ctx.schedule(() => notePhone(ctx, agent, registered));
    },
    (err: unknown) => ctx.log.warn({ err, agentId: agent.profile.id, extension }, 'cannot watch the phone'),
  );
}

/** A phone's registration changed: every agent whose phone it is learns it, and `agent.phone` says so. */
export async function onEndpointState(ctx: AcdContext, endpoint: string, registered: boolean): Promise<void> {
  ctx.endpointStates.set(endpoint, registered);
  for (const agent of ctx.agents.values()) {
    if (agent.phoneEndpoint === endpoint) await notePhone(ctx, agent, registered);
  }
}

/** A phone given another extension (or taken away) is watched anew; its old state no longer applies. */
export function phoneChanged(ctx: AcdContext, agent: LiveAgent, previousExtension: string | undefined): void {
  if (agent.profile.phone?.extension === previousExtension) return;
  agent.phoneEndpoint = undefined;
  agent.phoneRegistered = undefined;
  agent.phoneChangedAt = undefined;
  watchPhone(ctx, agent);
}

async function notePhone(ctx: AcdContext, agent: LiveAgent, registered: boolean): Promise<void> {
  if (agent.phoneRegistered === registered) return;
  agent.phoneRegistered = registered;
  agent.phoneChangedAt = ctx.clock.now();
  await ctx.notifier.agentPhone(agentView(agent));
}
