import { hostname } from 'node:os';
import { join } from 'node:path';
import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';
import { type OutboundLimits, RETRY_CATEGORIES, type RetryCategory } from '../core/outbound.ts';
import { parseAllowList } from '../net/outbound-policy.ts';
import type { StoreConfig } from '../store/types.ts';
import { checkTrunkTemplate, DEFAULT_TRUNK } from '../telephony/ari/endpoint-map.ts';
import { type AlertConfig, alertConfig } from './alerts.ts';
import {
  cloudEnv,
  type ExotelConfig,
  exotelConfig,
  type TwilioConfig,
  twilioConfig,
} from './cloud-config.ts';
import { splitList } from './lists.ts';

export type DriverName = 'simulator' | 'ari' | 'twilio' | 'exotel';

/**
 * Everything an operator can set, from environment variables (and `switchboard start` flags, which
 * override them). Read once at start; a bad value stops the start with a message naming the variable.
 */
export interface SwitchboardConfig {
  readonly port: number;
  readonly host: string;
  /** PostgreSQL when `DATABASE_URL` is set, else the embedded SQLite file in `SWITCHBOARD_DATA_DIR`. */
  readonly store: StoreConfig;
  /** `real` wall-clock time, `virtual` (moves only through the simulator API), or a speed factor. */
  readonly clock: 'real' | 'virtual' | number;
  /** `SWITCHBOARD_DRIVER` (`simulator` by default; `USE_REAL_CTI=true` also means `ari`). */
  readonly driver: DriverName;
  /** Twilio, when the driver is `twilio`. */
  readonly twilio: TwilioConfig | undefined;
  /** Exotel, when the driver is `exotel`. */
  readonly exotel: ExotelConfig | undefined;
  /** Asterisk ARI, when the driver is `ari`. */
  readonly ari: AriConfig | undefined;
  /** Asterisk's realtime database, where agents' phones are written (`ASTERISK_REALTIME_URL`). */
  readonly realtime: RealtimeConfig | undefined;
  readonly profilesFile: string | undefined;
  readonly apiKeys: readonly string[];
  /** Requests one API key may make per minute (`RATE_LIMIT_PER_MINUTE`, 3000; 0: no limit). */
  readonly rateLimitPerMinute: number;
  /** How long an agent's console session token lasts (`AGENT_SESSION_MINUTES`, 60). */
  readonly sessionTtlMs: number;
  readonly corsOrigins: readonly string[] | '*' | false;
  /** Host names served besides loopback and `host` (`ALLOWED_HOSTS`); `'*'` any; unset: the default rule. */
  readonly allowedHosts: readonly string[] | '*' | undefined;
  /** Deadlines for slow HTTP clients, in ms; the API's defaults fill those unset. */
  readonly httpTimeouts: {
    readonly headersMs?: number;
    readonly requestMs?: number;
    readonly keepAliveMs?: number;
    readonly idleMs?: number;
  };
  /** Bounds on Socket.io resume; the API's defaults fill those unset. */
  readonly socketReplay: {
    readonly maxBufferedLive?: number;
    readonly maxResumesPerMinute?: number;
    readonly maxConcurrentReads?: number;
  };
  /** Live events one Socket.io client may leave unread before it is dropped; the API's default when unset. */
  readonly socketMaxPendingLive: number | undefined;
  readonly ringTimeoutMs: number;
  readonly defaultCountry: string;
  readonly maxLiveCalls: number | undefined;
  /**
   * Conferences: most parties at once (`CONFERENCE_MAX_PARTICIPANTS`, default 10) and whether a call
   * ends when its owner leaves (`CONFERENCE_END_WITH_OWNER`, default no; a call may say otherwise).
   */
  readonly conference: { readonly maxParticipants: number; readonly endWhenOwnerLeaves: boolean };
  readonly logLevel: string;
  /** Folder of IVR flows loaded at start (`SWITCHBOARD_FLOWS_DIR`; else `./flows` when it exists). */
  readonly flowsDir: string | undefined;
  /** The built operator console served at `/` (`SWITCHBOARD_CONSOLE_DIR`; else the repository's web/dist). */
  readonly consoleDir: string | undefined;
  /** Site-wide IVR variables (`SWITCHBOARD_IVR_VARIABLES`, a JSON object), over the flows' own. */
  readonly ivrVariables: Readonly<Record<string, IvrVariable>>;
  /**
   * Hosts outbound HTTP (IVR look-ups) may reach although private or loopback (`OUTBOUND_HTTP_ALLOW`,
   * comma-separated). The demo adds its own loopback host, where its fleet directory answers.
   */
  readonly outboundHttpAllow: readonly string[];
  /** Demo mode (`SWITCHBOARD_DEMO=1`, `--demo`): dispatchers, queue, routes and a fleet directory, seeded. */
  readonly demo: boolean;
  /**
   * Call recordings: their files go to `dir` (`recordings` in the data folder); with `retentionDays`
   * (`RECORDING_RETENTION_DAYS`) those stopped longer ago are deleted.
   */
  readonly recordings: { readonly dir: string; readonly retentionDays: number | undefined };
  /** The outbound calling service's limits, breaker and retries (see the README's Outbound section). */
  readonly outbound: OutboundLimits;
  /**
   * This process among those sharing a database (`SWITCHBOARD_NODE_ID`, default the host name): at
   * start-up it closes only the live calls it left. Give each process on one host its own.
   */
  readonly nodeId: string;
  /** The 3CX connector's YAML file (`THREECX_CONFIG`); the connector is off without it. */
  readonly threecxConfig: string | undefined;
  /**
   * Webhook deliveries: deadline of one POST (`WEBHOOK_TIMEOUT_MS`, 10 s) and how long a failing
   * delivery is retried before it is dead-lettered (`WEBHOOK_RETRY_FOR_MS`, a day).
   */
  readonly webhooks: { readonly timeoutMs: number; readonly retryForMs: number };
  /** Where supervisor alerts (emergencies) go besides the simulator's in-memory sink; see AlertConfig. */
  readonly alerts: AlertConfig;
}

/** Retry defaults: the callee's outcomes wait minutes, the provider's seconds. */
const RETRY_DEFAULTS: Record<RetryCategory, { max: number; delayMs: number }> = {
  no_answer: { max: 2, delayMs: 300_000 },
  busy: { max: 3, delayMs: 60_000 },
  voicemail: { max: 1, delayMs: 3_600_000 },
  network_error: { max: 3, delayMs: 30_000 },
  rate_limited: { max: 5, delayMs: 10_000 },
  api_unavailable: { max: 5, delayMs: 60_000 },
};

const retryEnv = Object.fromEntries(
  RETRY_CATEGORIES.flatMap((c) => [
    [`RETRY_${c.toUpperCase()}_MAX`, z.coerce.number().int().min(0).max(100).optional()],
    [`RETRY_${c.toUpperCase()}_DELAY_MS`, z.coerce.number().int().min(0).max(604_800_000).optional()],
  ]),
) as Record<`RETRY_${Uppercase<RetryCategory>}_${'MAX' | 'DELAY_MS'}`, z.ZodOptional<z.ZodCoercedNumber>>;

export type IvrVariable = string | number | boolean | null;

const ivrVariablesSchema = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a JSON object such as {"dispatchApi":"https://..."}',
      });
      return z.NEVER;
    }
  })
  .pipe(
    z.record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'names are letters, digits and _'),
      z.union([z.string(), z.number(), z.boolean(), z.null()], {
        error: 'values are texts, numbers, true/false or null',
      }),
    ),
  );

/** Where and as whom to reach Asterisk. `password` is not enumerable, so logging the config omits it. */
export interface RealtimeConfig {
  /** PostgreSQL URL of the database Asterisk reads its PJSIP endpoints from. */
  readonly url: string;
  /** Schema of the ps_* tables (`ASTERISK_REALTIME_SCHEMA`, default `public`). */
  readonly schema: string;
  /** Defaults for phones that do not say (`ASTERISK_REALTIME_CONTEXT`, `_TRANSPORT`, `_CODECS`). */
  readonly context: string;
  readonly transport: string | undefined;
  readonly codecs: readonly string[];
}

export interface AriConfig {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** Stasis application the dialplan sends calls to (`ARI_APP`, default `switchboard`). */
  readonly app: string;
  /** Dial string for phone numbers (`ARI_TRUNK`, default `PJSIP/{number}@trunk`). */
  readonly trunk: string;
}

const clockSchema = z.union([
  z.enum(['real', 'virtual']),
  z.coerce
    .number()
    .positive()
    .max(10_000)
    .refine((n) => Number.isFinite(n)),
]);

/** A deadline: at least 1 ms (0 would mean none), at most an hour. */
const milliseconds = z.coerce.number().int().min(1).max(3_600_000);

const envSchema = z.object({
  CTI_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  HOST: z.string().min(1).optional(),
  DATABASE_URL: z.string().url().optional(),
  SWITCHBOARD_DATA_DIR: z.string().min(1).optional(),
  SWITCHBOARD_CLOCK: clockSchema.optional(),
  SWITCHBOARD_DRIVER: z.enum(['simulator', 'sim', 'ari', 'twilio', 'exotel']).optional(),
  USE_REAL_CTI: z.enum(['true', 'false', '1', '0', 'yes', 'no']).optional(),
  ARI_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:8088/ari' })
    .optional(),
  ARI_USERNAME: z.string().min(1).optional(),
  ARI_PASSWORD: z.string().min(1).optional(),
  ARI_APP: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . and - only (it goes in the dialplan)')
    .optional(),
  ARI_TRUNK: z
    .string()
    .refine((t) => checkTrunkTemplate(t) === undefined, `must be a dial string such as ${DEFAULT_TRUNK}`)
    .optional(),
  ASTERISK_REALTIME_URL: z
    .url({
      protocol: /^postgres(ql)?$/,
      error: 'must be a PostgreSQL URL such as postgres://asterisk@db/asterisk',
    })
    .optional(),
  ASTERISK_REALTIME_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'a plain schema name')
    .optional(),
  ASTERISK_REALTIME_CONTEXT: z
    .string()
    .regex(/^[A-Za-z0-9_.+-]{1,40}$/)
    .optional(),
  ASTERISK_REALTIME_TRANSPORT: z
    .string()
    .regex(/^[A-Za-z0-9_.+-]{1,40}$/)
    .optional(),
  ASTERISK_REALTIME_CODECS: z
    .string()
    .regex(/^[a-z0-9_]+(,[a-z0-9_]+)*$/, 'codec names, comma-separated')
    .optional(),
  SWITCHBOARD_PROFILES: z.string().min(1).optional(),
  SWITCHBOARD_FLOWS_DIR: z.string().min(1).optional(),
  SWITCHBOARD_CONSOLE_DIR: z.string().min(1).optional(),
  SWITCHBOARD_IVR_VARIABLES: ivrVariablesSchema.optional(),
  SWITCHBOARD_API_KEYS: z.string().optional(),
  OUTBOUND_HTTP_ALLOW: z
    .string()
    .superRefine((value, ctx) => {
      try {
        parseAllowList(splitList(value));
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    })
    .optional(),
  CORS_ORIGINS: z.string().optional(),
  ALLOWED_HOSTS: z.string().optional(),
  HTTP_HEADERS_TIMEOUT_MS: milliseconds.optional(),
  HTTP_REQUEST_TIMEOUT_MS: milliseconds.optional(),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: milliseconds.optional(),
  HTTP_IDLE_TIMEOUT_MS: milliseconds.optional(),
  SOCKET_MAX_BUFFERED_EVENTS: z.coerce.number().int().positive().optional(),
  SOCKET_RESUMES_PER_MINUTE: z.coerce.number().int().positive().optional(),
  SOCKET_MAX_CONCURRENT_REPLAYS: z.coerce.number().int().positive().optional(),
  SOCKET_MAX_PENDING_EVENTS: z.coerce.number().int().positive().optional(),
  RING_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).optional(),
  DEFAULT_COUNTRY: z
    .string()
    .refine((c) => isSupportedCountry(c), 'not a country code libphonenumber knows (e.g. US, GB, DE)')
    .optional(),
  MAX_LIVE_CALLS: z.coerce.number().int().positive().optional(),
  CONFERENCE_MAX_PARTICIPANTS: z.coerce.number().int().min(3).max(100).optional(),
  CONFERENCE_END_WITH_OWNER: z.enum(['true', 'false', '1', '0', 'yes', 'no']).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  NODE_ENV: z.string().optional(),
  SWITCHBOARD_DEMO: z.enum(['true', 'false', '1', '0', 'yes', 'no']).optional(),
  RECORDING_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).optional(),
  ...cloudEnv,
  AGENT_SESSION_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .optional(),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'use smtp://host:port or smtps://host:port')
    .optional(),
  ALERT_EMAIL_FROM: z.string().min(3).max(256).optional(),
  ALERT_EMAIL_TO: z.string().optional(),
  SMS_GATEWAY_URL: z.string().url().optional(),
  SMS_GATEWAY_TOKEN: z.string().min(1).optional(),
  ALERT_SMS_TO: z.string().optional(),
  ALERT_WEBHOOK_URL: z.string().url().optional(),
  ALERT_WEBHOOK_SECRET: z.string().min(16).optional(),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).optional(),
  WEBHOOK_RETRY_FOR_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(7 * 86_400_000)
    .optional(),
  MAX_CONCURRENT_OUTBOUND_CALLS: z.coerce.number().int().min(1).max(100_000).optional(),
  OUTBOUND_RATE_PER_SECOND: z.coerce.number().int().min(1).max(10_000).optional(),
  OUTBOUND_MAX_STARTING: z.coerce.number().int().min(1).max(10_000).optional(),
  OUTBOUND_BULK_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).optional(),
  OUTBOUND_BREAKER_THRESHOLD: z.coerce.number().int().min(1).max(1000).optional(),
  OUTBOUND_BREAKER_RESET_MS: z.coerce.number().int().min(1000).max(86_400_000).optional(),
  RETRY_MAX_DELAY_MS: z.coerce.number().int().min(1000).max(604_800_000).optional(),
  ...retryEnv,
  SWITCHBOARD_NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'use 1 to 64 letters, digits, dots, colons, dashes or underscores')
    .optional(),
  THREECX_CONFIG: z.string().min(1).optional(),
});

export type ConfigOverrides = Partial<Record<keyof z.infer<typeof envSchema>, string>>;

/** Reads the configuration from `env`, with `overrides` (CLI flags) taking precedence. */
export function loadConfig(env: NodeJS.ProcessEnv, overrides: ConfigOverrides = {}): SwitchboardConfig {
  const merged = { ...pickDefined(env), ...pickDefined(overrides) };
  const parsed = envSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  const development = e.NODE_ENV === 'development';
  const driver = chooseDriver(e.SWITCHBOARD_DRIVER, e.USE_REAL_CTI);
  const clock = e.SWITCHBOARD_CLOCK ?? 'real';
  if (driver !== 'simulator' && clock !== 'real') {
    throw new Error(
      `Invalid configuration: SWITCHBOARD_CLOCK: real phones run in real time; use real with the ${driver} driver`,
    );
  }
  const demo = isYes(e.SWITCHBOARD_DEMO);
  if (demo && driver !== 'simulator') {
    throw new Error(
      `Invalid configuration: SWITCHBOARD_DEMO plays on the simulator; leave out the ${driver} driver`,
    );
  }
  // The demo keeps its seeded dispatchers and calls out of a site's own store.
  const dataDir = e.SWITCHBOARD_DATA_DIR ?? (demo ? join('data', 'demo') : './data');
  return {
    port: e.CTI_PORT ?? e.PORT ?? 5000,
    host: e.HOST ?? '127.0.0.1',
    store: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'sqlite', file: join(dataDir, 'switchboard.db') },
    clock,
    driver,
    ari: driver === 'ari' ? ariConfig(e) : undefined,
    twilio: driver === 'twilio' ? twilioConfig(e) : undefined,
    exotel: driver === 'exotel' ? exotelConfig(e) : undefined,
    realtime: e.ASTERISK_REALTIME_URL
      ? {
          url: e.ASTERISK_REALTIME_URL,
          schema: e.ASTERISK_REALTIME_SCHEMA ?? 'public',
          context: e.ASTERISK_REALTIME_CONTEXT ?? 'from-internal',
          transport: e.ASTERISK_REALTIME_TRANSPORT,
          codecs: splitList(e.ASTERISK_REALTIME_CODECS ?? 'ulaw,alaw'),
        }
      : undefined,
    profilesFile: e.SWITCHBOARD_PROFILES,
    apiKeys: splitList(e.SWITCHBOARD_API_KEYS),
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE ?? 3000,
    sessionTtlMs: (e.AGENT_SESSION_MINUTES ?? 60) * 60_000,
    corsOrigins:
      e.CORS_ORIGINS === '*' ? '*' : e.CORS_ORIGINS ? splitList(e.CORS_ORIGINS) : development ? '*' : false,
    allowedHosts: e.ALLOWED_HOSTS === '*' ? '*' : e.ALLOWED_HOSTS ? splitList(e.ALLOWED_HOSTS) : undefined,
    httpTimeouts: pickDefined({
      headersMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestMs: e.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      idleMs: e.HTTP_IDLE_TIMEOUT_MS,
    }),
    socketReplay: pickDefined({
      maxBufferedLive: e.SOCKET_MAX_BUFFERED_EVENTS,
      maxResumesPerMinute: e.SOCKET_RESUMES_PER_MINUTE,
      maxConcurrentReads: e.SOCKET_MAX_CONCURRENT_REPLAYS,
    }),
    socketMaxPendingLive: e.SOCKET_MAX_PENDING_EVENTS,
    ringTimeoutMs: e.RING_TIMEOUT_MS ?? 30_000,
    defaultCountry: e.DEFAULT_COUNTRY ?? 'US',
    maxLiveCalls: e.MAX_LIVE_CALLS,
    conference: {
      maxParticipants: e.CONFERENCE_MAX_PARTICIPANTS ?? 10,
      endWhenOwnerLeaves: isYes(e.CONFERENCE_END_WITH_OWNER),
    },
    logLevel: e.LOG_LEVEL ?? 'info',
    flowsDir: e.SWITCHBOARD_FLOWS_DIR,
    consoleDir: e.SWITCHBOARD_CONSOLE_DIR,
    ivrVariables: e.SWITCHBOARD_IVR_VARIABLES ?? {},
    outboundHttpAllow: splitList(e.OUTBOUND_HTTP_ALLOW),
    demo,
    recordings: { dir: join(dataDir, 'recordings'), retentionDays: e.RECORDING_RETENTION_DAYS },
    outbound: {
      maxConcurrentCalls: e.MAX_CONCURRENT_OUTBOUND_CALLS ?? 10,
      startsPerSecond: e.OUTBOUND_RATE_PER_SECOND ?? 20,
      maxStarting: e.OUTBOUND_MAX_STARTING ?? 10,
      bulkIntervalMs: e.OUTBOUND_BULK_INTERVAL_MS ?? 1000,
      breakerThreshold: e.OUTBOUND_BREAKER_THRESHOLD ?? 5,
      breakerResetMs: e.OUTBOUND_BREAKER_RESET_MS ?? 60_000,
      retries: Object.fromEntries(
        RETRY_CATEGORIES.map((c) => {
          const upper = c.toUpperCase() as Uppercase<RetryCategory>;
          return [
            c,
            {
              max: e[`RETRY_${upper}_MAX`] ?? RETRY_DEFAULTS[c].max,
              delayMs: e[`RETRY_${upper}_DELAY_MS`] ?? RETRY_DEFAULTS[c].delayMs,
            },
          ];
        }),
      ) as Record<RetryCategory, { max: number; delayMs: number }>,
      retryMaxDelayMs: e.RETRY_MAX_DELAY_MS ?? 3_600_000,
    },
    nodeId: e.SWITCHBOARD_NODE_ID ?? hostname(),
    threecxConfig: e.THREECX_CONFIG,
    webhooks: { timeoutMs: e.WEBHOOK_TIMEOUT_MS ?? 10_000, retryForMs: e.WEBHOOK_RETRY_FOR_MS ?? 86_400_000 },
    alerts: alertConfig(e),
  };
}

const isYes = (flag: string | undefined): boolean => flag === 'true' || flag === '1' || flag === 'yes';

function chooseDriver(named: string | undefined, useRealCti: string | undefined): DriverName {
  const real = isYes(useRealCti);
  if (named === 'ari') return 'ari';
  if ((named === 'twilio' || named === 'exotel') && !real) return named;
  if (named !== undefined && real) {
    throw new Error(
      `Invalid configuration: SWITCHBOARD_DRIVER=${named} contradicts USE_REAL_CTI=${useRealCti}; unset one of them`,
    );
  }
  return real ? 'ari' : 'simulator';
}

function ariConfig(e: {
  ARI_URL?: string | undefined;
  ARI_USERNAME?: string | undefined;
  ARI_PASSWORD?: string | undefined;
  ARI_APP?: string | undefined;
  ARI_TRUNK?: string | undefined;
}): AriConfig {
  if (!e.ARI_USERNAME || !e.ARI_PASSWORD) {
    throw new Error(
      'Invalid configuration: ARI_USERNAME and ARI_PASSWORD are required with the ari driver (the user of ari.conf)',
    );
  }
  const config = {
    url: e.ARI_URL ?? 'http://127.0.0.1:8088/ari',
    username: e.ARI_USERNAME,
    app: e.ARI_APP ?? 'switchboard',
    trunk: e.ARI_TRUNK ?? DEFAULT_TRUNK,
  };
  Object.defineProperty(config, 'password', { value: e.ARI_PASSWORD, enumerable: false });
  return config as AriConfig;
}

/** Listening beyond loopback without a key would hand the phones to anyone on the network. */
export function assertSafeExposure(config: SwitchboardConfig, storedKeys = 0): void {
  if (!isLoopback(config.host) && config.apiKeys.length === 0 && storedKeys === 0) {
    throw new Error(
      `Refusing to listen on ${config.host} without authentication: create a key (switchboard keys create), set SWITCHBOARD_API_KEYS, or listen on 127.0.0.1.`,
    );
  }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** `source` without its unset entries (undefined or empty), so that defaults elsewhere fill them. */
function pickDefined<T>(source: Record<string, T | undefined>): Record<string, T> {
  return Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== '')) as Record<
    string,
    T
  >;
}
