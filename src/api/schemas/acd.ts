import { z } from 'zod';
import { AGENT_ROLES, AGENT_STATES, type Agent, type AgentStatus } from '../../core/agent.ts';
import type { EmergencySnapshot, QueueStats } from '../../core/events.ts';
import type { SameKeys } from './call.ts';
import { isoTime } from './common.ts';

export const AgentStateSchema = z.enum(AGENT_STATES).meta({ id: 'AgentState' });

const statusShape = z.object({
  state: AgentStateSchema,
  reason: z.string().optional().describe('Why the agent is away (`break`, `no_answer`, ...).'),
  since: isoTime('When the agent entered this state.'),
  callId: z.string().optional().describe('The call offered, talked on or wrapped up.'),
  callsAnswered: z.number().int().nonnegative(),
  missedOffers: z.number().int().nonnegative().describe('Offers that rang out in a row.'),
});
true satisfies SameKeys<AgentStatus, z.output<typeof statusShape>>;

const agentShape = z.object({
  id: z.string(),
  name: z.string(),
  endpoint: z.string().describe('Where the agent’s phone is: a driver endpoint or a number.'),
  skills: z.record(z.string(), z.number().int()),
  teams: z.array(z.string()),
  roles: z.array(z.enum(AGENT_ROLES)),
  status: statusShape,
});
true satisfies SameKeys<Agent, z.output<typeof agentShape>>;

/** An agent with their live state. */
export const AgentSchema: z.ZodType<Agent> = agentShape.meta({ id: 'Agent' });

const statsShape = z.object({
  queueId: z.string(),
  at: isoTime('When the figures were taken.'),
  waiting: z.number().int().nonnegative(),
  longestWaitMs: z.number().nonnegative(),
  agentsLoggedIn: z.number().int().nonnegative(),
  agentsAvailable: z.number().int().nonnegative(),
  intervalStart: isoTime('Start of the current interval.'),
  entered: z.number().int().nonnegative(),
  answered: z.number().int().nonnegative(),
  abandoned: z.number().int().nonnegative(),
  overflowed: z.number().int().nonnegative(),
  serviceLevel: z.number().min(0).max(1).nullable(),
  averageWaitMs: z.number().nonnegative().nullable(),
  averageTalkMs: z.number().nonnegative().nullable(),
});
true satisfies SameKeys<QueueStats, z.output<typeof statsShape>>;

/** Live and interval figures of a queue. */
export const QueueStatsSchema: z.ZodType<QueueStats> = statsShape.meta({ id: 'QueueStats' });

const emergencyShape = z.object({
  id: z.string(),
  callId: z.string(),
  driverId: z.string(),
  driverPhone: z.string(),
  driverName: z.string().optional(),
  vehiclePlate: z.string().optional(),
  location: z.object({ lat: z.number(), lng: z.number() }).optional(),
  raisedAt: isoTime('When Switchboard raised it.'),
  reportedAt: isoTime('When the driver pressed the button (as reported).').optional(),
  status: z.enum(['raised', 'offered', 'escalated', 'answered', 'ended']),
  dispatcherId: z.string().optional(),
  answeredAt: isoTime('When a dispatcher answered.').optional(),
  endedAt: isoTime('When the emergency call ended.').optional(),
});
true satisfies SameKeys<EmergencySnapshot, z.output<typeof emergencyShape>>;

/** An emergency raised by a driver's panic button. */
export const EmergencySchema: z.ZodType<EmergencySnapshot> = emergencyShape.meta({ id: 'Emergency' });
