import type { Agent, AgentPhoneView, AgentProfile, AgentState, AgentStatus } from '../../core/agent.ts';
import { iso } from '../../core/clock.ts';

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

/**
 * The agent as clients see it (every state change publishes one). Built field by field: object spread
 * made this three times slower, and the ACD's busiest path is an agent changing state.
 */
export function agentView(agent: LiveAgent): Agent {
  const { id, name, endpoint, skills, teams, roles, phone } = agent.profile;
  const status: { -readonly [K in keyof AgentStatus]: AgentStatus[K] } = {
    state: agent.state,
    since: iso(agent.since),
    callsAnswered: agent.callsAnswered,
    missedOffers: agent.missedOffers,
  };
  if (agent.reason !== undefined) status.reason = agent.reason;
  if (agent.callId !== undefined) status.callId = agent.callId;
  if (phone === undefined) return { id, name, endpoint, skills, teams, roles, status };
  const { password: _secret, ...shown } = phone;
  return { id, name, endpoint, skills, teams, roles, phone: { ...shown, ...registration(agent) }, status };
}

/** Fails to compile when AgentProfile gains a field that {@link agentView} does not copy. */
type Uncopied = Exclude<
  keyof AgentProfile,
  'id' | 'name' | 'endpoint' | 'skills' | 'teams' | 'roles' | 'phone'
>;
const allCopied: [Uncopied] extends [never] ? true : never = true;
void allCopied;

/** What the agent's view says of their phone's registration: nothing until the driver has told. */
function registration(agent: LiveAgent): Pick<AgentPhoneView, 'registered' | 'registeredChangedAt'> {
  if (agent.phoneRegistered === undefined || agent.phoneChangedAt === undefined) return {};
  return {
    registered: agent.phoneRegistered,
    registeredChangedAt: new Date(agent.phoneChangedAt).toISOString(),
  };
}
