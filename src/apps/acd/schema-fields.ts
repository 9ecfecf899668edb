import type { CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { formatAddress, parseAddress } from '../../core/address.ts';
import { SKILL_LEVEL_MAX, SKILL_LEVEL_MIN } from '../../core/agent.ts';
import { CALL_PRIORITIES, type QueueExit, type Weekday } from '../../core/queue.ts';
import { canonicalTimeZone, isValidLocalDate, readTimeRange } from './business-hours.ts';

/**
 * The fields the ACD's request schemas (`schemas.ts`) are built from: ids, numbers, lists, addresses,
 * business hours, exits and destinations. What the ACD accepts from the outside: agents, queues and inbound routes. Objects are strict, so a
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
export const MAX_TEAMS = 50;
export const MAX_MEMBERS = 10_000;
const MAX_RANGES_PER_DAY = 24;
const MAX_HOLIDAYS = 1000;
export const ROUTE_ORDER_MAX = 1_000_000;

type Issue = z.core.$ZodRawIssue;

/** A custom message for bad values, keeping zod's own for a missing one (the API words it "required"). */
export const unlessMissing =
  (message: string | ((issue: Issue) => string)) =>
  (issue: Issue): string | undefined =>
    issue.input === undefined ? undefined : typeof message === 'string' ? message : message(issue);

const lastKey = (issue: Issue): string => String(issue.path?.at(-1) ?? '');

export const id = (description: string) =>
  z
    .string({ error: unlessMissing(ID_HINT) })
    .regex(ID, { error: ID_HINT })
    .describe(description);

/** A whole number in a range, with one message for every way of missing it. */
export function wholeNumber(min: number, max: number, unit: string) {
  const hint = `use a whole number of ${unit} from ${min} to ${max}`;
  return z
    .number({ error: unlessMissing(hint) })
    .int({ error: hint, abort: true })
    .min(min, { error: hint })
    .max(max, { error: hint });
}

/** A list whose items must differ, naming the first repeated one. */
export function uniqueList<T extends z.ZodType<string>>(item: T, max: number, what: string) {
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

export const skillLevels = z
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
export function address(defaultCountry: CountryCode, description: string) {
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

export const businessHours = z
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

export const routeWindow = z
  .strictObject({ timeZone, weekly })
  .describe('Only route this way while open: weekly local hours in a time zone.');

export const EXIT_KINDS = 'use kind "queue" (with queueId), "number" (with to) or "hangup" (with reason)';

export function queueExit(defaultCountry: CountryCode) {
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

export function destination(defaultCountry: CountryCode) {
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
export function pattern(defaultCountry: CountryCode, description: string) {
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
export function checkExits(
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
