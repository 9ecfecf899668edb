import type { Agent, AgentPhoneView, AgentProfile, AgentState } from '../../core/agent.ts';

/** An agent as the ACD holds them: profile plus live state, mutated only by {@link AgentBook}. */
export interface LiveAgent {
  profile: AgentProfile;
  state: AgentState;
  reason: string | undefined;
  since: number;
  callId: string | undefined;
  /** The offer leg while reserved. */
  offerLegId: string | undefined;
  callsAnswered: number;
  missedOffers: number;
  /** Since when the agent has been free; the longest-idle strategy ranks by it. */
  idleSince: number;
  /** Queues this agent is a member of. */
  readonly queues: Set<string>;
  /** The driver's name for the agent's phone, once the engine watches it. */
  phoneEndpoint?: string | undefined;
  /** Whether the phone is registered, once the driver has said. */
  phoneRegistered?: boolean | undefined;
  phoneChangedAt?: number | undefined;
}

/** The agent as clients see it. */
export function agentView(agent: LiveAgent): Agent {
  const { phone, ...profile } = agent.profile;
  const { password: _secret, ...shown } = phone ?? {};
  return {
    ...profile,
    ...(phone && { phone: { ...(shown as AgentPhoneView), ...registration(agent) } }),
    status: {
      state: agent.state,
      ...(agent.reason !== undefined && { reason: agent.reason }),
      since: new Date(agent.since).toISOString(),
      ...(agent.callId !== undefined && { callId: agent.callId }),
      callsAnswered: agent.callsAnswered,
      missedOffers: agent.missedOffers,
    },
  };
}

/** What the agent's view says of their phone's registration: nothing until the driver has told. */
function registration(agent: LiveAgent): Pick<AgentPhoneView, 'registered' | 'registeredChangedAt'> {
  if (agent.phoneRegistered === undefined || agent.phoneChangedAt === undefined) return {};
  return {
    registered: agent.phoneRegistered,
    registeredChangedAt: new Date(agent.phoneChangedAt).toISOString(),
  };
}
