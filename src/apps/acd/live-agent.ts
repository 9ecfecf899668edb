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
}

/** The agent as clients see it. */
export function agentView(agent: LiveAgent): Agent {
  const { phone, ...profile } = agent.profile;
  const { password: _secret, ...shown } = phone ?? {};
  return {
    ...profile,
    ...(phone && { phone: shown as AgentPhoneView }),
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
