import { z } from 'zod';
import type { AcdService } from '../../apps/acd/acd-service.ts';
import { AGENT_ROLES, AGENT_STATES, type Agent, type AgentStatus } from '../../core/agent.ts';
import type { EmergencySnapshot, QueueStats } from '../../core/events.ts';
import {
  type BusinessHours,
  CALL_PRIORITIES,
  QUEUE_STRATEGIES,
  type QueueConfig,
  type QueueExit,
  WEEKDAYS,
  type Weekday,
} from '../../core/queue.ts';
import type { InboundRoute, RouteDestination } from '../../core/routing.ts';
import type { AgentStateEntry } from '../../store/types.ts';
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
  phone: z
    .object({
      extension: z.string(),
      codecs: z.array(z.string()).optional(),
      context: z.string().optional(),
      transport: z.string().optional(),
    })
    .optional()
    .describe('The phone Switchboard keeps on the PBX for the agent (its password is never shown).'),
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
  driverId: z.union([z.string(), z.number()]).describe('As the panic button sent it.'),
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

const stateEntryShape = z.object({
  agentId: z.string(),
  state: AgentStateSchema,
  reason: z.string().optional().describe('Why the agent went away.'),
  callId: z.string().optional().describe('The call offered, talked on or wrapped up.'),
  at: isoTime('When the agent entered this state.'),
});
true satisfies SameKeys<AgentStateEntry, z.output<typeof stateEntryShape>>;

/** One agent state change from the state log. */
export const AgentStateEntrySchema: z.ZodType<AgentStateEntry> = stateEntryShape.meta({
  id: 'AgentStateEntry',
});

/** Where a queue sends a caller who cannot (or may no longer) wait there. */
export const QueueExitSchema: z.ZodType<QueueExit> = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('queue'), queueId: z.string() }),
    z.object({ kind: z.literal('number'), to: z.string() }),
    z.object({ kind: z.literal('hangup'), reason: z.enum(['normal', 'rejected', 'busy']) }),
  ])
  .meta({ id: 'QueueExit' });

const dayRanges = z.array(z.string()).optional();
const weeklyShape: Record<Weekday, typeof dayRanges> = Object.fromEntries(
  WEEKDAYS.map((day) => [day, dayRanges]),
) as Record<Weekday, typeof dayRanges>;
const weekly = z
  .object(weeklyShape)
  .describe('Local "HH:mm-HH:mm" opening ranges per weekday; a missing day is closed.');

const businessHoursShape = z.object({
  timeZone: z.string().describe('IANA time zone the hours are local to.'),
  weekly,
  holidays: z.array(z.string()).describe('Local dates closed all day, YYYY-MM-DD.'),
});
true satisfies SameKeys<BusinessHours, z.output<typeof businessHoursShape>>;

const queueShape = z.object({
  id: z.string(),
  name: z.string(),
  strategy: z.enum(QUEUE_STRATEGIES),
  members: z.array(z.string()),
  requiredSkills: z.record(z.string(), z.number().int()),
  offerTimeoutMs: z.number().int().nonnegative(),
  wrapUpMs: z.number().int().nonnegative(),
  maxWaitMs: z.number().int().nonnegative().optional(),
  overflow: QueueExitSchema.optional(),
  whenNoAgents: z.enum(['wait', 'overflow']),
  businessHours: businessHoursShape.optional(),
  closedAction: QueueExitSchema.optional(),
  serviceLevelMs: z.number().int().nonnegative(),
  agingMs: z.number().int().nonnegative(),
});
true satisfies SameKeys<QueueConfig, z.output<typeof queueShape>>;

/** A queue's configuration. */
export const QueueSchema: z.ZodType<QueueConfig> = queueShape.meta({ id: 'Queue' });

/** A caller waiting in a queue, as AcdService.waitingIn lists them. */
type WaitingCallView = ReturnType<AcdService['waitingIn']>[number];

const waitingShape = z.object({
  callId: z.string(),
  priority: z.enum(CALL_PRIORITIES),
  enteredAt: isoTime('When the caller entered the queue.'),
  offeredTo: z.array(z.string()).describe('Agents whose phones ring for this caller now.'),
});
true satisfies SameKeys<WaitingCallView, z.output<typeof waitingShape>>;

/** A caller waiting in a queue. */
export const WaitingCallSchema: z.ZodType<WaitingCallView> = waitingShape.meta({ id: 'WaitingCall' });

const RouteDestinationSchema: z.ZodType<RouteDestination> = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('app') }),
    z.object({ kind: z.literal('queue'), queueId: z.string(), priority: z.enum(CALL_PRIORITIES).optional() }),
    z.object({ kind: z.literal('agent'), agentId: z.string() }),
    z.object({ kind: z.literal('ivr'), flowId: z.string() }),
    z.object({ kind: z.literal('number'), to: z.string() }),
    z.object({ kind: z.literal('hangup'), reason: z.enum(['rejected', 'busy', 'invalid_number']) }),
  ])
  .meta({ id: 'RouteDestination' });

const routeShape = z.object({
  id: z.string(),
  dialled: z.string().describe('Dialled number or endpoint: exact, a prefix ending in *, or * for any.'),
  caller: z.string().optional().describe('Caller number: exact or a prefix ending in *.'),
  window: z
    .object({ timeZone: z.string(), weekly })
    .optional()
    .describe('Only route this way while open: weekly local hours in a time zone.'),
  order: z.number().int().nonnegative().describe('Breaks ties between equally specific rows; lower first.'),
  destination: RouteDestinationSchema,
});
true satisfies SameKeys<InboundRoute, z.output<typeof routeShape>>;

/** One row of the inbound routing table. */
export const InboundRouteSchema: z.ZodType<InboundRoute> = routeShape.meta({ id: 'InboundRoute' });
