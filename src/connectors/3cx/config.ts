import { readFileSync } from 'node:fs';
import { IANAZone } from 'luxon';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * The 3CX connector's YAML file (`THREECX_CONFIG`). Any string in it may hold `${VAR}` (the variable
 * must be set) or `${VAR:-default}`; substitution runs on the parsed values, so a variable holding a
 * colon or a `#` cannot change the document's structure. Errors name the field and the variable.
 */

/** 3CX's own default order of the Active Socket CSV fields. */
export const DEFAULT_SOCKET_FIELDS = [
  'historyid',
  'callid',
  'duration',
  'time-start',
  'time-answered',
  'time-end',
  'reason-terminated',
  'from-no',
  'to-no',
  'from-dn',
  'to-dn',
  'dial-no',
  'reason-changed',
  'final-number',
  'final-dn',
  'bill-code',
  'bill-rate',
  'bill-cost',
  'bill-name',
  'chain',
  'from-type',
  'to-type',
  'final-type',
  'from-dispname',
  'to-dispname',
  'final-dispname',
  'missed-queue-calls',
] as const;
export type SocketField = (typeof DEFAULT_SOCKET_FIELDS)[number];

export const WEEKDAY_NAMES = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;

const zone = z
  .string()
  .refine((tz) => IANAZone.isValidZone(tz), 'is not an IANA time zone (America/Anchorage)');
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'write HH:mm, 00:00 to 24:00');
const dayHours = z
  .strictObject({ start: clockTime, end: clockTime })
  .refine((h) => h.start < h.end, 'start must come before end')
  .nullable();
/** `schema.table` or `table`: plain identifiers, quoted when the query is built. */
const tableName = z
  .string()
  .regex(/^([A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*$/, 'use table or schema.table');
const extension = z.string().regex(/^[0-9]{1,10}$/, 'an extension is 1 to 10 digits');

const configSchema = z.strictObject({
  threecx: z.strictObject({
    version: z.coerce.number().pipe(z.literal(20, 'only 3CX v20 (PostgreSQL cdroutput) is read for now')),
    database: z.strictObject({
      url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL'),
      table: tableName.default('cdroutput'),
    }),
    pollIntervalSeconds: z.coerce.number().int().min(1).max(86_400).default(600),
    backfillDays: z.coerce.number().int().min(0).max(3650).default(10),
    activeSocket: z
      .strictObject({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.coerce.number().int().min(0).max(65_535),
        timezone: zone.default('UTC'),
        fields: z
          .array(z.enum(DEFAULT_SOCKET_FIELDS))
          .min(1)
          .refine((f) => f.includes('historyid') || f.includes('callid'), 'must include historyid or callid')
          .default([...DEFAULT_SOCKET_FIELDS]),
        maxLineBytes: z.coerce.number().int().min(256).max(1_048_576).default(65_536),
      })
      .optional(),
  }),
  extensions: z.record(extension, z.email('is not an e-mail address')).default({}),
  businessHours: z
    .object({ timezone: zone, ...Object.fromEntries(WEEKDAY_NAMES.map((d) => [d, dayHours.optional()])) })
    .strict()
    .optional(),
  callGroups: z
    .array(z.strictObject({ id: z.string().min(1).max(64), name: z.string().min(1).max(128) }))
    .max(1000)
    .default([]),
  alerts: z
    .strictObject({
      /** Who hears of an alert, through the notification sinks. */
      notify: z
        .array(
          z.strictObject({ channel: z.enum(['sms', 'email', 'webhook']), to: z.string().min(1).max(256) }),
        )
        .max(100)
        .default([]),
      /** How often watched groups are checked for agents, in business hours. */
      checkIntervalSeconds: z.coerce.number().int().min(5).max(86_400).default(60),
    })
    .default({ notify: [], checkIntervalSeconds: 60 }),
});

type Parsed = z.output<typeof configSchema>;
export type DayHours = { readonly start: string; readonly end: string } | null | undefined;
export interface ThreeCxConfig extends Omit<Parsed, 'businessHours'> {
  readonly businessHours?: { readonly timezone: string } & Partial<
    Record<(typeof WEEKDAY_NAMES)[number], DayHours>
  >;
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces `${VAR}` and `${VAR:-default}` in every string of `value`; `path` names where, for errors. */
export function substitute(value: unknown, env: NodeJS.ProcessEnv, path = ''): unknown {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (_all, name: string, fallback: string | undefined) => {
      const set = env[name];
      if (set !== undefined && set !== '') return set;
      if (fallback !== undefined) return fallback;
      throw new Error(`3CX configuration: ${path || '(top)'} uses \${${name}}, but ${name} is not set`);
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => substitute(item, env, `${path}[${i}]`));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substitute(item, env, path ? `${path}.${key}` : key)]),
    );
  }
  return value;
}

/** Reads the connector's configuration from YAML text; throws an Error naming each problem. */
export function parseThreeCxConfig(text: string, env: NodeJS.ProcessEnv): ThreeCxConfig {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new Error(`3CX configuration: not valid YAML: ${(error as Error).message}`);
  }
  const parsed = configSchema.safeParse(substitute(document, env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new Error(`3CX configuration: ${problems.join('; ')}`);
  }
  return parsed.data as ThreeCxConfig;
}

/** Reads the file `THREECX_CONFIG` names. */
export function loadThreeCxConfig(file: string, env: NodeJS.ProcessEnv): ThreeCxConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`3CX configuration: cannot read ${file} (THREECX_CONFIG): ${(error as Error).message}`);
  }
  return parseThreeCxConfig(text, env);
}
