import type { CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { formatAddress, parseAddress } from '../../core/address.ts';
import { AGENT_ROLES, type AgentProfile, SKILL_LEVEL_MAX, SKILL_LEVEL_MIN } from '../../core/agent.ts';
import { SwitchboardError } from '../../core/errors.ts';
import {
  CALL_PRIORITIES,
  QUEUE_STRATEGIES,
  type QueueConfig,
  type QueueExit,
  type Weekday,
} from '../../core/queue.ts';
import type { InboundRoute, RouteDestination } from '../../core/routing.ts';
import { canonicalTimeZone, isValidLocalDate, readTimeRange } from './business-hours.ts';

/**
 * What the ACD accepts from the outside: agents, queues and inbound routes. Objects are strict, so a
 * misspelt field is an error rather than a silently ignored setting, and every message says what to
 * send instead. Phone numbers come out in E.164, so stored configuration does not depend on the
 * default country in force when it is read.
 */

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ID_HINT =
  'use 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit (e.g. dispatcher-001)';
const SKILL_HINT =
  'use 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit (e.g. french)';
/** A dialled or caller pattern: `*` alone, or a number or endpoint, optionally ending in `*`. */
const PATTERN = /^(\*|[A-Za-z0-9+#_.@:/-]{1,64}\*?)$/;

const MAX_SKILLS = 100;
const MAX_TEAMS = 50;
const MAX_MEMBERS = 10_000;
const MAX_RANGES_PER_DAY = 24;
const MAX_HOLIDAYS = 1000;
const ROUTE_ORDER_MAX = 1_000_000;

type Issue = z.core.$ZodRawIssue;

/** A custom message for bad values, keeping zod's own for a missing one (the API words it "required"). */
const unlessMissing =
  (message: string | ((issue: Issue) => string)) =>
  (issue: Issue): string | undefined =>
    issue.input === undefined ? undefined : typeof message === 'string' ? message : message(issue);

const lastKey = (issue: Issue): string => String(issue.path?.at(-1) ?? '');

const id = (description: string) =>
  z
    .string({ error: unlessMissing(ID_HINT) })
    .regex(ID, { error: ID_HINT })
    .describe(description);

/** A whole number in a range, with one message for every way of missing it. */
function wholeNumber(min: number, max: number, unit: string) {
  const hint = `use a whole number of ${unit} from ${min} to ${max}`;
  return z
    .number({ error: unlessMissing(hint) })
    .int({ error: hint, abort: true })
    .min(min, { error: hint })
    .max(max, { error: hint });
}

/** A list whose items must differ, naming the first repeated one. */
function uniqueList<T extends z.ZodType<string>>(item: T, max: number, what: string) {
  return z
    .array(item)
    .max(max, { error: `at most ${max} ${what}` })
    .superRefine((items, ctx) => {
      const seen = new Set<string>();
      items.forEach((value, index) => {
        if (seen.has(value))
          ctx.addIssue({ code: 'custom', path: [index], message: `"${value}" is listed twice` });
        seen.add(value);
      });
    });
}

const skillLevels = z
  .record(
    z.string().regex(ID),
    z
      .number({
        error: unlessMissing(
          (issue) => `skill "${lastKey(issue)}" needs a level from ${SKILL_LEVEL_MIN} to ${SKILL_LEVEL_MAX}`,
        ),
      })
      .int({ error: (issue) => `skill "${lastKey(issue)}": a level is a whole number`, abort: true })
      .min(SKILL_LEVEL_MIN, { error: (issue) => outOfRange(issue) })
      .max(SKILL_LEVEL_MAX, { error: (issue) => outOfRange(issue) }),
    {
      error: (issue) =>
        issue.code === 'invalid_key'
          ? `"${String(issue.input)}" is not a skill name; ${SKILL_HINT}`
          : undefined,
    },
  )
  .refine((skills) => Object.keys(skills).length <= MAX_SKILLS, { error: `at most ${MAX_SKILLS} skills` })
  .describe(`Skill name -> level, ${SKILL_LEVEL_MIN} (can do it) to ${SKILL_LEVEL_MAX} (expert).`);

function outOfRange(issue: Issue): string {
  return `skill "${lastKey(issue)}" has level ${String(issue.input)}; use ${SKILL_LEVEL_MIN} to ${SKILL_LEVEL_MAX}`;
}

/** Reads an address as the engine will, so that a configured number can actually be called. */
function address(defaultCountry: CountryCode, description: string) {
  return z
    .string()
    .trim()
    .min(1, {
      error: 'required: a phone number (E.164 such as +15551234567) or an endpoint (PJSIP/1001)',
      abort: true,
    })
    .max(128, { error: 'at most 128 characters', abort: true })
    .superRefine((value, ctx) => {
      const problem = addressProblem(value, defaultCountry);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    })
    .overwrite((value) => normalizeAddress(value, defaultCountry))
    .describe(description);
}

function addressProblem(value: string, defaultCountry: CountryCode): string | undefined {
  try {
    parseAddress(value, 'value', defaultCountry);
    return undefined;
  } catch (error) {
    // parseAddress names the field first; the issue's path names it already.
    return error instanceof Error ? error.message.replace(/^value: /, '') : String(error);
  }
}

function normalizeAddress(value: string, defaultCountry: CountryCode): string {
  try {
    return formatAddress(parseAddress(value, 'value', defaultCountry));
  } catch {
    // Already reported by the refinement before; leave the value as sent.
    return value;
  }
}

const timeZone = z
  .string()
  .superRefine((value, ctx) => {
    if (canonicalTimeZone(value) === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown time zone "${value}"; use an IANA name such as Europe/Berlin or America/New_York`,
      });
    }
  })
  .overwrite((value) => canonicalTimeZone(value) ?? value)
  .describe('IANA time zone the hours are local to, e.g. Europe/Berlin.');

const timeRange = z.string().superRefine((value, ctx) => {
  const read = readTimeRange(value);
  if ('problem' in read) ctx.addIssue({ code: 'custom', message: read.problem });
});

const dayRanges = z
  .array(timeRange)
  .max(MAX_RANGES_PER_DAY, { error: `at most ${MAX_RANGES_PER_DAY} ranges a day` })
  .optional()
  .describe('Local "HH:mm-HH:mm" ranges; "22:00-06:00" runs past midnight, "00:00-24:00" is all day.');

const weeklyShape: Record<Weekday, typeof dayRanges> = {
  mon: dayRanges,
  tue: dayRanges,
  wed: dayRanges,
  thu: dayRanges,
  fri: dayRanges,
  sat: dayRanges,
  sun: dayRanges,
};
const weekly = z
  .strictObject(weeklyShape)
  .describe('Opening ranges per weekday (mon..sun); a missing day is closed.');

const localDate = z
  .string()
  .refine(isValidLocalDate, { error: (issue) => `"${String(issue.input)}" is not a date; write YYYY-MM-DD` });

const businessHours = z
  .strictObject({
    timeZone,
    weekly,
    holidays: z
      .array(localDate)
      .max(MAX_HOLIDAYS, { error: `at most ${MAX_HOLIDAYS} holidays` })
      .overwrite((dates) => [...new Set(dates)].sort())
      .default([])
      .describe('Local dates closed all day, YYYY-MM-DD.'),
  })
  .describe("Opening hours in the queue's time zone.");

const routeWindow = z
  .strictObject({ timeZone, weekly })
  .describe('Only route this way while open: weekly local hours in a time zone.');

const EXIT_KINDS = 'use kind "queue" (with queueId), "number" (with to) or "hangup" (with reason)';

function queueExit(defaultCountry: CountryCode) {
  return z.discriminatedUnion(
    'kind',
    [
      z.strictObject({ kind: z.literal('queue'), queueId: id('The queue to move the caller to.') }),
      z.strictObject({
        kind: z.literal('number'),
        to: address(defaultCountry, 'Where to forward the caller.'),
      }),
      z.strictObject({
        kind: z.literal('hangup'),
        reason: z.enum(['normal', 'rejected', 'busy']).describe('What the caller is told.'),
      }),
    ],
    { error: EXIT_KINDS },
  );
}

const DESTINATION_KINDS =
  'use kind "queue" (queueId), "agent" (agentId), "ivr" (flowId), "number" (to), "hangup" (reason) or "app"';

function destination(defaultCountry: CountryCode) {
  return z.discriminatedUnion(
    'kind',
    [
      z.strictObject({
        kind: z.literal('queue'),
        queueId: id('The queue the caller waits in.'),
        priority: z.enum(CALL_PRIORITIES).optional().describe('`normal` unless set.'),
      }),
      z.strictObject({ kind: z.literal('agent'), agentId: id('The agent to ring.') }),
      z.strictObject({ kind: z.literal('app') }).describe('Rings until the business application answers it.'),
      z.strictObject({ kind: z.literal('ivr'), flowId: id('The IVR flow to run.') }),
      z.strictObject({
        kind: z.literal('number'),
        to: address(defaultCountry, 'Where to forward the call.'),
      }),
      z.strictObject({
        kind: z.literal('hangup'),
        reason: z.enum(['rejected', 'busy', 'invalid_number']).describe('What the caller is told.'),
      }),
    ],
    { error: DESTINATION_KINDS },
  );
}

/**
 * An exact pattern is an address, stored as the engine writes inbound ones (E.164), so that
 * "+1 212 555 0100" matches a call to +12125550100; a prefix is kept as written.
 */
function pattern(defaultCountry: CountryCode, description: string) {
  const hint = 'use an exact number or endpoint, a prefix ending in * (e.g. +1212555*), or * for any';
  return z
    .string({ error: unlessMissing(hint) })
    .trim()
    .overwrite((value) => (value.endsWith('*') ? value : normalizeAddress(value, defaultCountry)))
    .superRefine((value, ctx) => {
      if (!PATTERN.test(value)) {
        ctx.addIssue({ code: 'custom', message: hint });
        return;
      }
      const problem = value.endsWith('*') ? undefined : addressProblem(value, defaultCountry);
      if (problem !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `${problem.replace(/\.$/, '')}; or end it in * for a prefix`,
        });
      }
    })
    .describe(description);
}

/** Something a queue sends callers to must not be the queue itself, or callers would circle forever. */
function checkExits(
  queue: { id?: string; overflow?: QueueExit | null; closedAction?: QueueExit | null },
  ctx: z.RefinementCtx,
) {
  for (const field of ['overflow', 'closedAction'] as const) {
    const exit = queue[field];
    if (queue.id !== undefined && exit?.kind === 'queue' && exit.queueId === queue.id) {
      ctx.addIssue({
        code: 'custom',
        path: [field, 'queueId'],
        message: `queue "${queue.id}" cannot send callers to itself; name another queue`,
      });
    }
  }
}

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
    })
    .describe('Fields to change; send null to remove maxWaitMs, overflow, businessHours or closedAction.');

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
