import type { CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import {
  AGENT_ROLES,
  AGENT_STATES,
  type Agent,
  type AgentProfile,
  type AgentStatus,
} from '../../core/agent.ts';
import { SwitchboardError } from '../../core/errors.ts';
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
import type { EventDataSchemas } from '../app-contract.ts';
import { RecordingPolicySchema } from '../http-kit/recording.ts';
import { isoTime, type SameKeys } from '../http-kit/schemas.ts';
import type { AcdService } from './acd-service.ts';
import { type AcdEventDataMap, QUEUE_LEFT_REASONS, type QueueStats } from './events.ts';
import {
  address,
  businessHours,
  checkExits,
  destination,
  EXIT_KINDS,
  id,
  MAX_MEMBERS,
  MAX_TEAMS,
  pattern,
  queueExit,
  ROUTE_ORDER_MAX,
  routeWindow,
  skillLevels,
  uniqueList,
  unlessMissing,
  wholeNumber,
} from './schema-fields.ts';

// --- requests ---------------------------------------------------------------------------------

const sipToken = z.string().regex(/^[A-Za-z0-9_.+-]{1,40}$/, '1 to 40 letters, digits, _ . + -');

/** An agent's phone on the PBX (Asterisk realtime); a password left out keeps the one set before. */
const agentPhone = z
  .strictObject({
    extension: sipToken.describe('PJSIP id and SIP user name, e.g. 1010.'),
    password: z.string().min(8).max(80).optional().describe('SIP digest password (8 to 80 characters).'),
    codecs: z
      .array(z.string().regex(/^[a-z0-9_]{1,20}$/))
      .min(1)
      .max(10)
      .optional(),
    context: sipToken.optional().describe('Dialplan context of the calls the phone makes.'),
    transport: sipToken.optional().describe('PJSIP transport name.'),
  })
  .optional();

/**
 * The ACD's input schemas. Numbers written without a country code are read in `defaultCountry`
 * (the server's DEFAULT_COUNTRY); build them once at start-up.
 */
export function acdSchemas(defaultCountry: CountryCode = 'US') {
  const agentFields = {
    name: z.string().trim().min(1, { error: 'required: the name people see' }).max(200),
    endpoint: address(
      defaultCountry,
      'How to reach them: a driver endpoint (PJSIP/1001, dispatcher-001) or a phone number.',
    ),
    skills: skillLevels,
    teams: uniqueList(id('A team name.'), MAX_TEAMS, 'teams'),
    roles: uniqueList(z.enum(AGENT_ROLES), AGENT_ROLES.length, 'roles').min(1, {
      error: `give at least one role: ${AGENT_ROLES.join(', ')}`,
    }),
    phone: agentPhone,
  };

  const AgentInput = z.strictObject({
    id: id('Stable agent id, e.g. dispatcher-001.'),
    ...agentFields,
    skills: agentFields.skills.default({}),
    teams: agentFields.teams.default([]),
    roles: agentFields.roles.default(['agent']),
  });

  const AgentPatch = z.strictObject({
    id: z.never({ error: 'an agent id cannot be changed; create a new agent instead' }).optional(),
    name: agentFields.name.optional(),
    endpoint: agentFields.endpoint.optional(),
    skills: agentFields.skills.optional(),
    teams: agentFields.teams.optional(),
    roles: agentFields.roles.optional(),
    phone: agentFields.phone.optional(),
  });

  const exit = queueExit(defaultCountry);
  const queueFields = {
    name: z.string().trim().min(1, { error: 'required: the name people see' }).max(200),
    strategy: z.enum(QUEUE_STRATEGIES).describe('How the next agent is chosen.'),
    members: uniqueList(id('An agent id.'), MAX_MEMBERS, 'members'),
    requiredSkills: skillLevels,
    offerTimeoutMs: wholeNumber(1000, 300_000, 'milliseconds').describe('How long one offer rings.'),
    wrapUpMs: wholeNumber(0, 3_600_000, 'milliseconds').describe('Wrap-up time after each call.'),
    maxWaitMs: wholeNumber(1000, 86_400_000, 'milliseconds').describe('Longest wait before `overflow`.'),
    overflow: exit.describe('Where callers go after maxWaitMs, or when no agent is logged in.'),
    whenNoAgents: z
      .enum(['wait', 'overflow'])
      .describe('With no member logged in: keep waiting or overflow.'),
    businessHours,
    closedAction: exit.describe('Where callers go while the queue is closed.'),
    serviceLevelMs: wholeNumber(1000, 3_600_000, 'milliseconds').describe(
      'Answered within this counts towards the service level.',
    ),
    agingMs: wholeNumber(1000, 86_400_000, 'milliseconds').describe(
      "A caller's priority rises one level per this much waiting.",
    ),
    recording: RecordingPolicySchema.describe('Record the calls answered from this queue (or a share).'),
  };

  const QueueInput = z
    .strictObject({
      id: id('Stable queue id, e.g. emergency or support-de.'),
      ...queueFields,
      members: queueFields.members.default([]),
      requiredSkills: queueFields.requiredSkills.default({}),
      offerTimeoutMs: queueFields.offerTimeoutMs.default(15_000),
      wrapUpMs: queueFields.wrapUpMs.default(0),
      maxWaitMs: queueFields.maxWaitMs.optional(),
      overflow: queueFields.overflow.optional(),
      whenNoAgents: queueFields.whenNoAgents.default('wait'),
      businessHours: queueFields.businessHours.optional(),
      closedAction: queueFields.closedAction.optional(),
      serviceLevelMs: queueFields.serviceLevelMs.default(20_000),
      agingMs: queueFields.agingMs.default(120_000),
      recording: queueFields.recording.optional(),
    })
    .superRefine((queue, ctx) => {
      if (queue.overflow === undefined) {
        if (queue.maxWaitMs !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['overflow'],
            message: `required with maxWaitMs: where callers go after waiting that long (${EXIT_KINDS})`,
          });
        } else if (queue.whenNoAgents === 'overflow') {
          ctx.addIssue({
            code: 'custom',
            path: ['overflow'],
            message: `required with whenNoAgents "overflow": where callers go (${EXIT_KINDS})`,
          });
        }
      }
      if (queue.businessHours !== undefined && queue.closedAction === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['closedAction'],
          message: `required with businessHours: where callers go while closed (${EXIT_KINDS})`,
        });
      }
      checkExits(queue, ctx);
    });

  // `null` removes an optional setting; absent leaves it as it is.
  const QueuePatch = z
    .strictObject({
      id: z.never({ error: 'a queue id cannot be changed; create a new queue instead' }).optional(),
      name: queueFields.name.optional(),
      strategy: queueFields.strategy.optional(),
      members: queueFields.members.optional(),
      requiredSkills: queueFields.requiredSkills.optional(),
      offerTimeoutMs: queueFields.offerTimeoutMs.optional(),
      wrapUpMs: queueFields.wrapUpMs.optional(),
      maxWaitMs: queueFields.maxWaitMs.nullable().optional(),
      overflow: queueFields.overflow.nullable().optional(),
      whenNoAgents: queueFields.whenNoAgents.optional(),
      businessHours: queueFields.businessHours.nullable().optional(),
      closedAction: queueFields.closedAction.nullable().optional(),
      serviceLevelMs: queueFields.serviceLevelMs.optional(),
      agingMs: queueFields.agingMs.optional(),
      recording: queueFields.recording.nullable().optional(),
    })
    .describe(
      'Fields to change; send null to remove maxWaitMs, overflow, businessHours, closedAction or recording.',
    );

  const InboundRouteInput = z.strictObject({
    id: id('Stable route id; generated when absent.').optional(),
    dialled: pattern(
      defaultCountry,
      'Dialled number or endpoint: exact, a prefix ending in *, or * for any.',
    ),
    caller: pattern(
      defaultCountry,
      'Caller number: exact or a prefix ending in *; absent matches any.',
    ).optional(),
    window: routeWindow.optional(),
    order: z
      .number({ error: unlessMissing(`use a whole number from 0 to ${ROUTE_ORDER_MAX}`) })
      .int({ error: `use a whole number from 0 to ${ROUTE_ORDER_MAX}` })
      .min(0, { error: `use a whole number from 0 to ${ROUTE_ORDER_MAX}` })
      .max(ROUTE_ORDER_MAX, { error: `use a whole number from 0 to ${ROUTE_ORDER_MAX}` })
      .default(100)
      .describe('Breaks ties between equally specific rows; lower first.'),
    destination: destination(defaultCountry),
    recording: RecordingPolicySchema.optional().describe('Record the calls this row routes (or a share).'),
  });

  return { AgentInput, AgentPatch, QueueInput, QueuePatch, InboundRouteInput };
}

/** The schemas for servers whose DEFAULT_COUNTRY is US; E.164 input reads the same everywhere. */
export const { AgentInput, AgentPatch, QueueInput, QueuePatch, InboundRouteInput } = acdSchemas();

export type AgentInputData = z.output<typeof AgentInput>;
export type AgentPatchData = z.output<typeof AgentPatch>;
export type QueueInputData = z.output<typeof QueueInput>;
export type QueuePatchData = z.output<typeof QueuePatch>;
export type InboundRouteInputData = z.output<typeof InboundRouteInput>;

/** True when every `From` is a `To`. */
type Assignable<From, To> = [From] extends [To] ? true : false;
true satisfies Assignable<AgentInputData, AgentProfile>;
true satisfies Assignable<QueueInputData, QueueConfig>;
true satisfies Assignable<InboundRouteInputData & { id: string }, InboundRoute>;
true satisfies Assignable<InboundRouteInputData['destination'], RouteDestination>;

/** A parse failure as the shared VALIDATION_ERROR, listing each field in the API's detail shape. */
export function validationError(
  error: z.ZodError,
  part: 'body' | 'query' | 'params' = 'body',
): SwitchboardError {
  const problems = error.issues.flatMap((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        in: part,
        path: path ? `${path}.${key}` : key,
        problem: 'unknown field',
      }));
    }
    return [{ in: part, path, problem: issue.message }];
  });
  const listed = problems.map((p) => `${p.in}${p.path ? `.${p.path}` : ''}: ${p.problem}`);
  return new SwitchboardError(
    'VALIDATION_ERROR',
    `The request is malformed: ${listed.join('; ')}.`,
    problems,
  );
}

/** An agent with a patch applied; the id stays. */
export function applyAgentPatch(current: AgentProfile, patch: AgentPatchData): AgentProfile {
  const { id: _ignored, ...changes } = patch;
  return { ...current, ...definedOnly(changes), id: current.id };
}

/**
 * A queue with a patch applied, checked again as a whole (a patch that sets maxWaitMs must find an
 * overflow in the result). Throws VALIDATION_ERROR naming the field.
 */
export function applyQueuePatch(current: QueueConfig, patch: QueuePatchData): QueueConfig {
  const { id: _ignored, ...changes } = patch;
  const merged: Record<string, unknown> = { ...current, ...definedOnly(changes), id: current.id };
  for (const [key, value] of Object.entries(merged)) if (value === null) delete merged[key];
  // Stored values are already normalised (E.164 numbers), so any country reads them the same.
  const parsed = QueueInput.safeParse(merged);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// --- answers ----------------------------------------------------------------------------------

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
      registered: z
        .boolean()
        .optional()
        .describe('Whether the phone is registered on the PBX; absent until the driver has reported it.'),
      registeredChangedAt: isoTime('When `registered` last changed.').optional(),
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
  recording: RecordingPolicySchema.optional(),
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
  recording: RecordingPolicySchema.optional(),
});
true satisfies SameKeys<InboundRoute, z.output<typeof routeShape>>;

/** One row of the inbound routing table. */
export const InboundRouteSchema: z.ZodType<InboundRoute> = routeShape.meta({ id: 'InboundRoute' });

// --- events -----------------------------------------------------------------------------------

const queueCall = {
  queueId: z.string(),
  callId: z.string(),
  position: z.number().int().positive().describe('1 = next to be offered.'),
  estimatedWaitMs: z.number().nonnegative(),
};

/** The payload schemas of the ACD's events, for the OpenAPI document. */
export const ACD_EVENTS: EventDataSchemas<keyof AcdEventDataMap> = {
  'agent.state': z.object({ agent: AgentSchema, previous: AgentStateSchema }),
  'agent.phone': z
    .object({ agent: AgentSchema })
    .describe("The agent's phone registered or left the PBX: see `agent.phone.registered`."),
  'queue.entered': z.object({ ...queueCall, priority: z.enum(CALL_PRIORITIES) }),
  'queue.position': z.object(queueCall),
  'queue.left': z.object({
    queueId: z.string(),
    callId: z.string(),
    reason: z.enum(QUEUE_LEFT_REASONS),
    waitedMs: z.number().nonnegative(),
  }),
  'queue.stats': z.object({ stats: QueueStatsSchema }),
};
