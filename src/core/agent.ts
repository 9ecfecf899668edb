import { nextState, type StateTable } from './state-table.ts';

/** People who take calls: dispatchers, contact-centre agents, supervisors. */
export const AGENT_STATES = ['offline', 'available', 'reserved', 'on_call', 'wrap_up', 'away'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

export const AGENT_ROLES = ['agent', 'dispatcher', 'supervisor'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

/** Skill levels run 1 (can do it) to 10 (expert). */
export const SKILL_LEVEL_MIN = 1;
export const SKILL_LEVEL_MAX = 10;

/** How an agent is configured; the live state is kept apart (see {@link AgentStatus}). */
export interface AgentProfile {
  readonly id: string;
  readonly name: string;
  /** Where their phone is: a driver endpoint (`PJSIP/1001`, `dispatcher-001`) or a number. */
  readonly endpoint: string;
  readonly skills: Readonly<Record<string, number>>;
  readonly teams: readonly string[];
  readonly roles: readonly AgentRole[];
  /** A phone Switchboard keeps on the PBX for the agent (Asterisk realtime), when configured. */
  readonly phone?: AgentPhone;
}

/** The agent's SIP phone as the PBX holds it; the password is written to the PBX, never shown. */
export interface AgentPhone {
  /** The PJSIP endpoint, auth and AOR id, and the SIP user name. */
  readonly extension: string;
  readonly password?: string;
  /** Codecs in order of preference (default: the server's). */
  readonly codecs?: readonly string[];
  readonly context?: string;
  readonly transport?: string;
}

/** The phone in an agent's view: no password; its registration once the driver has reported it. */
export type AgentPhoneView = Omit<AgentPhone, 'password'> & {
  /** Whether the phone is registered on the PBX (reachable). */
  readonly registered?: boolean;
  readonly registeredChangedAt?: string;
};

/**
 * Where agents' phones are written on the PBX (Asterisk realtime); the ACD calls it when an agent is
 * created, changed or deleted.
 */
export interface PhoneProvisioning {
  /** The agent was created or changed (`previous`: their profile before). */
  saved(agent: AgentProfile, previous: AgentProfile | undefined): Promise<void>;
  deleted(agent: AgentProfile): Promise<void>;
}

/** An agent's live state as clients see it. */
export interface AgentStatus {
  readonly state: AgentState;
  /** Why an agent is away (a reason code: `break`, `lunch`, `no_answer`, ...). */
  readonly reason?: string;
  readonly since: string;
  /** The call being offered, talked on or wrapped up. */
  readonly callId?: string;
  /** Calls answered since the agent logged in. */
  readonly callsAnswered: number;
  /** Offers that rang out in a row; reset by an answer. */
  readonly missedOffers: number;
}

export type Agent = Omit<AgentProfile, 'phone'> & {
  readonly phone?: AgentPhoneView;
  readonly status: AgentStatus;
};

/**
 * What can happen to an agent, as data: row = current state, column = what happens, cell = next
 * state. A missing cell is illegal and answers INVALID_STATE naming the state.
 */
export type AgentTransition =
  | 'login'
  | 'logout'
  | 'pause'
  | 'unpause'
  | 'reserve'
  | 'dial'
  | 'offer_failed'
  | 'connect'
  | 'call_ended'
  | 'wrap_up_done';

export const AGENT_TRANSITIONS: StateTable<AgentState, AgentTransition> = {
  offline: { login: 'available' },
  // `dial`: the agent places a call of their own (click-to-dial) and is busy until it ends.
  available: { logout: 'offline', pause: 'away', reserve: 'reserved', dial: 'on_call' },
  // Logging out or pausing while reserved withdraws the offer: the call goes back to its queue.
  reserved: { connect: 'on_call', offer_failed: 'available', logout: 'offline', pause: 'away' },
  on_call: { call_ended: 'wrap_up' },
  wrap_up: { wrap_up_done: 'available', logout: 'offline', pause: 'away' },
  away: { unpause: 'available', logout: 'offline', pause: 'away' },
};

/** The next agent state, or INVALID_STATE naming the current one. */
export function nextAgentState(state: AgentState, transition: AgentTransition, agentId?: string): AgentState {
  return nextState(AGENT_TRANSITIONS, state, transition, (allowed) => ({
    message: `Agent ${agentId ?? ''} cannot ${transition.replace('_', ' ')} while ${state.replace('_', ' ')}; it must be ${allowed.join(' or ')}.`,
    details: { agentId, state, action: transition, allowedFrom: allowed },
  }));
}
