import { z } from 'zod';
import { CALL_PRIORITIES, WEEKDAYS } from '../../core/queue.ts';
import { canonicalTimeZone, isValidLocalDate, readTimeRange } from '../acd/business-hours.ts';

/**
 * The shape of an IVR flow, as uploaded in YAML or JSON. Cross-references (node targets, expression
 * syntax, names used by `visits()` and `open()`) are checked afterwards by the flow validator; this
 * schema checks each field on its own, and every object is strict so that a misspelt field is named
 * rather than ignored.
 */

const NODE_ID = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const RESERVED = new Set(['true', 'false', 'null', 'and', 'or', 'not', '__proto__']);
const FLOW_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const DTMF = /^[0-9*#A-D]$/;
const HEADER = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;

/** Most nodes in one flow; a flow past this is better split with `goto`. */
const MAX_NODES = 500;
/** Longest prompt or template text. */
const MAX_TEXT = 2_000;

/** Node kinds, each implemented by one file under `nodes/`. */
export const NODE_KINDS = [
  'say',
  'play',
  'gather',
  'menu',
  'http',
  'branch',
  'set',
  'enqueue',
  'transfer',
  'record',
  'hangup',
  'goto',
] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

const nodeRef = z
  .string({ error: unlessMissing('use the id of a node of this flow') })
  .regex(NODE_ID, { error: 'use the id of a node of this flow' })
  .describe('The id of a node of this flow.');

const variableName = z
  .string()
  .regex(VARIABLE, { error: 'use letters, digits and _, starting with a letter or _' })
  .refine((name) => !RESERVED.has(name), { error: (issue) => `"${String(issue.input)}" is a reserved word` });

const flowId = z
  .string({ error: unlessMissing('use 1 to 64 letters, digits, _, . and -') })
  .regex(FLOW_ID, { error: 'use 1 to 64 letters, digits, _, . and -, starting with a letter or digit' });

const text = (what: string) =>
  z
    .string({ error: unlessMissing(`use ${what}`) })
    .min(1, { error: `must not be empty; use ${what}` })
    .max(MAX_TEXT, { error: `at most ${MAX_TEXT} characters` });

/** Text in one language for all, or per language: `{ en: "Hello", fr: "Bonjour" }`. */
const langText = (what: string) =>
  z.union(
    [text(what), z.record(z.string().regex(LANGUAGE), text(what)).refine((m) => Object.keys(m).length > 0)],
    {
      error: (issue) => {
        if (issue.input === undefined) return 'required';
        const input = issue.input as Record<string, unknown>;
        const odd =
          input !== null && typeof input === 'object'
            ? Object.keys(input).find((k) => !LANGUAGE.test(k))
            : undefined;
        return odd === undefined
          ? `use ${what}, or one per language such as { en: "...", fr: "..." }`
          : `"${odd}" is no language code; use codes such as en, fr or de-CH`;
      },
    },
  );

/** Text for everyone, or per language. */
export type LangText = z.output<ReturnType<typeof langText>>;

/**
 * A prompt: text (per language or not), spoken by drivers that can, or a sound the driver plays,
 * with the text it says for events and transcripts.
 */
const prompt = z.union(
  [
    langText('the text to say'),
    z
      .strictObject({
        text: langText('the text to say').optional(),
        sound: langText('a sound reference such as checkin/welcome').optional(),
      })
      .refine((p) => p.text !== undefined || p.sound !== undefined, { error: 'give text, sound, or both' }),
  ],
  {
    error: (issue) =>
      issue.input === undefined
        ? 'required'
        : 'use the text to say, text per language ({ en: ..., fr: ... }), or { text, sound }',
  },
);
/** A prompt as written in a flow. */
export type PromptDef = z.output<typeof prompt>;

const digitKey = z
  .string()
  .regex(DTMF, { error: 'use one key: 0-9, *, # or A-D' })
  .nullable()
  .describe('A key that ends input, or null for none.');

const whole = (min: number, max: number, unit: string) =>
  z
    .number({ error: `use a whole number of ${unit} from ${min} to ${max}` })
    .int({ error: `use a whole number of ${unit} from ${min} to ${max}` })
    .min(min, { error: `use a whole number of ${unit} from ${min} to ${max}` })
    .max(max, { error: `use a whole number of ${unit} from ${min} to ${max}` });

const expression = z
  .string({ error: unlessMissing('use an expression in quotes') })
  .min(1, { error: 'must not be empty' })
  .describe('An expression (see the README: IVR expressions).');

const regexSource = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not a regular expression: ${(error as Error).message}` });
  }
});

/** Literal JSON, in which every text may hold `{{ ... }}` parts. */
type JsonTemplate = string | number | boolean | null | JsonTemplate[] | { [key: string]: JsonTemplate };
const jsonTemplate: z.ZodType<JsonTemplate> = z.lazy(() =>
  z.union([
    z.string().max(MAX_TEXT),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(jsonTemplate).max(1000),
    z.record(z.string(), jsonTemplate),
  ]),
);

const timeRange = z.string().superRefine((value, ctx) => {
  const read = readTimeRange(value);
  if ('problem' in read) ctx.addIssue({ code: 'custom', message: read.problem });
});

const openingHours = z.strictObject({
  timeZone: z.string().refine((tz) => canonicalTimeZone(tz) !== undefined, {
    error: (issue) =>
      `unknown time zone "${String(issue.input)}"; use an IANA name such as Europe/Berlin or America/New_York`,
  }),
  weekly: z.strictObject(
    Object.fromEntries(WEEKDAYS.map((day) => [day, z.array(timeRange).max(24).optional()])) as Record<
      (typeof WEEKDAYS)[number],
      z.ZodOptional<z.ZodArray<typeof timeRange>>
    >,
  ),
  holidays: z
    .array(
      z.string().refine(isValidLocalDate, {
        error: (issue) => `"${String(issue.input)}" is not a date; write YYYY-MM-DD`,
      }),
    )
    .max(1000)
    .default([]),
});

// --- nodes --------------------------------------------------------------------------------------

const say = z.strictObject({
  kind: z.literal('say'),
  text: langText('the text to say'),
  next: nodeRef,
});

const play = z.strictObject({
  kind: z.literal('play'),
  sound: langText('a sound reference such as checkin/welcome'),
  text: langText('the words the sound says').optional(),
  next: nodeRef,
});

const retryPrompts = {
  retries: whole(0, 10, 'retries').default(2).describe('Asks again this often after no input or no match.'),
  noInput: prompt.optional().describe('Said before asking again when the caller pressed nothing.'),
  noMatch: prompt.optional().describe('Said before asking again when the input was not valid.'),
  failure: nodeRef.optional().describe('Where to go when the retries are used up; absent: hang up.'),
};

const gather = z
  .strictObject({
    kind: z.literal('gather'),
    prompt,
    into: variableName.default('digits').describe('Variable that receives the digits.'),
    minDigits: whole(1, 32, 'digits').default(1),
    maxDigits: whole(1, 32, 'digits').default(20),
    finishKey: digitKey.default('#'),
    firstDigitTimeoutMs: whole(500, 120_000, 'ms').default(5_000),
    interDigitTimeoutMs: whole(500, 60_000, 'ms').default(3_000),
    pattern: regexSource.optional().describe('The digits must match this regular expression.'),
    ...retryPrompts,
    next: nodeRef,
  })
  .superRefine((node, ctx) => {
    if (node.minDigits > node.maxDigits) {
      ctx.addIssue({
        code: 'custom',
        path: ['minDigits'],
        message: `is more than maxDigits (${node.maxDigits})`,
      });
    }
  });

const menu = z.strictObject({
  kind: z.literal('menu'),
  prompt,
  options: z
    .record(z.string().regex(DTMF, { error: 'use one key: 0-9, *, # or A-D' }), nodeRef)
    .refine((options) => Object.keys(options).length > 0, { error: 'give at least one option' }),
  into: variableName.optional().describe('Variable that receives the key pressed.'),
  timeoutMs: whole(500, 120_000, 'ms').default(5_000),
  ...retryPrompts,
});

const http = z.strictObject({
  kind: z.literal('http'),
  method: z
    .enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], { error: 'use GET, POST, PUT, PATCH or DELETE' })
    .default('GET'),
  url: text('a URL; {{ ... }} parts are filled in'),
  headers: z
    .record(z.string().regex(HEADER, { error: 'not a header name' }), z.string().max(MAX_TEXT))
    .optional(),
  body: jsonTemplate.optional().describe('JSON sent as the body; texts may hold {{ ... }} parts.'),
  timeoutMs: whole(100, 60_000, 'ms').default(5_000),
  assign: z
    .record(variableName, z.string().min(1).max(256))
    .optional()
    .describe('Variable -> field of the JSON answer (dotted path such as trips.0.id).'),
  onStatus: z
    .record(z.string().regex(/^[1-5][0-9][0-9]$/, { error: 'use an HTTP status such as 404' }), nodeRef)
    .optional()
    .describe('Where to go for a given HTTP status instead of next/error.'),
  next: nodeRef.describe('Where to go on a 2xx answer.'),
  error: nodeRef.describe('Where to go when the request fails or answers another status.'),
  timeout: nodeRef.optional().describe('Where to go on timeout; absent: error.'),
});

const branch = z.strictObject({
  kind: z.literal('branch'),
  when: z
    .array(z.strictObject({ if: expression, next: nodeRef }))
    .min(1, { error: 'give at least one condition' })
    .max(100),
  else: nodeRef,
});

const set = z.strictObject({
  kind: z.literal('set'),
  values: z
    .record(variableName, z.union([expression, z.number(), z.boolean(), z.null()]))
    .refine((values) => Object.keys(values).length > 0, { error: 'give at least one variable' }),
  next: nodeRef,
});

const enqueue = z
  .strictObject({
    kind: z.literal('enqueue'),
    queue: text('a queue id; {{ ... }} parts are filled in').optional(),
    skills: z
      .record(z.string().min(1).max(64), whole(1, 10, 'levels'))
      .optional()
      .describe('Picks the queue whose required skills cover these.'),
    priority: z.enum(CALL_PRIORITIES, { error: `use ${CALL_PRIORITIES.join(', ')}` }).default('normal'),
    error: nodeRef.optional().describe('Where to go when no queue takes the caller; absent: hang up.'),
  })
  .superRefine((node, ctx) => {
    if ((node.queue === undefined) === (node.skills === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give either queue or skills' });
    }
  });

const transfer = z
  .strictObject({
    kind: z.literal('transfer'),
    to: text('a number or endpoint; {{ ... }} parts are filled in').optional(),
    agent: z.string().min(1).max(64).optional(),
    queue: z.string().min(1).max(64).optional(),
    error: nodeRef.optional().describe('Where to go when the transfer is refused; absent: hang up.'),
  })
  .superRefine((node, ctx) => {
    const given = [node.to, node.agent, node.queue].filter((v) => v !== undefined).length;
    if (given !== 1) ctx.addIssue({ code: 'custom', message: 'give exactly one of to, agent or queue' });
  });

const record = z.strictObject({
  kind: z.literal('record'),
  prompt: prompt.optional(),
  maxDurationMs: whole(1_000, 600_000, 'ms').default(60_000),
  finishKey: digitKey.default('#'),
  into: variableName.default('recording').describe('Variable that receives the recording id.'),
  next: nodeRef,
});

const hangup = z.strictObject({ kind: z.literal('hangup') });

const goto = z
  .strictObject({
    kind: z.literal('goto'),
    node: nodeRef.optional(),
    flow: flowId.optional().describe('Another flow; the session goes on in its latest version.'),
  })
  .superRefine((node, ctx) => {
    if (node.node === undefined && node.flow === undefined) {
      ctx.addIssue({ code: 'custom', message: 'give node, flow, or both' });
    }
  });

const NODE_SCHEMAS = { say, play, gather, menu, http, branch, set, enqueue, transfer, record, hangup, goto };

const node = z.discriminatedUnion(
  'kind',
  [say, play, gather, menu, http, branch, set, enqueue, transfer, record, hangup, goto],
  {
    error: (issue) => {
      const kind = (issue.input as { kind?: unknown } | undefined)?.kind;
      if (issue.input === null || typeof issue.input !== 'object') return 'use an object with a kind';
      return kind === undefined
        ? `required: use one of ${NODE_KINDS.join(', ')}`
        : `unknown kind ${JSON.stringify(kind)}; use one of ${NODE_KINDS.join(', ')}`;
    },
  },
);

/** One node as the schema outputs it (defaults filled in). */
export type NodeDef<K extends NodeKind = NodeKind> = z.output<(typeof NODE_SCHEMAS)[K]>;

/** A whole flow: its id, default language, variables, opening hours, start and nodes. */
export const FlowSchema = z.strictObject({
  id: flowId,
  name: z.string().max(200).optional(),
  description: z.string().max(2_000).optional(),
  language: z
    .string()
    .regex(LANGUAGE, { error: 'use a language code such as en, fr or de-CH' })
    .default('en')
    .describe('The language prompts fall back to; every per-language text must have it.'),
  variables: z
    .record(variableName, z.union([z.string().max(MAX_TEXT), z.number(), z.boolean(), z.null()]))
    .optional()
    .describe('Starting values; the site configuration and the call add theirs.'),
  hours: z.record(variableName, openingHours).optional().describe('Opening hours for open(name).'),
  start: nodeRef,
  nodes: z
    .record(
      z.string().regex(NODE_ID, { error: 'use letters, digits, _ and -, starting with a letter' }),
      node,
    )
    .refine((nodes) => Object.keys(nodes).length <= MAX_NODES, { error: `at most ${MAX_NODES} nodes` }),
});

/** A flow as the schema outputs it. */
export type FlowDef = z.output<typeof FlowSchema>;

/** "required" for a missing field, the hint otherwise. */
function unlessMissing(hint: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? 'required' : hint);
}
