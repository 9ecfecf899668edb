import { join } from 'node:path';
import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';
import type { StoreConfig } from '../store/types.ts';

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
  readonly driver: 'simulator';
  readonly profilesFile: string | undefined;
  readonly apiKeys: readonly string[];
  readonly corsOrigins: readonly string[] | '*' | false;
  readonly ringTimeoutMs: number;
  readonly defaultCountry: string;
  readonly maxLiveCalls: number | undefined;
  readonly logLevel: string;
}

const clockSchema = z.union([
  z.enum(['real', 'virtual']),
  z.coerce
    .number()
    .positive()
    .max(10_000)
    .refine((n) => Number.isFinite(n)),
]);

const envSchema = z.object({
  CTI_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  HOST: z.string().min(1).optional(),
  DATABASE_URL: z.string().url().optional(),
  SWITCHBOARD_DATA_DIR: z.string().min(1).optional(),
  SWITCHBOARD_CLOCK: clockSchema.optional(),
  SWITCHBOARD_DRIVER: z.enum(['simulator', 'sim']).optional(),
  SWITCHBOARD_PROFILES: z.string().min(1).optional(),
  SWITCHBOARD_API_KEYS: z.string().optional(),
  CORS_ORIGINS: z.string().optional(),
  RING_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).optional(),
  DEFAULT_COUNTRY: z
    .string()
    .refine((c) => isSupportedCountry(c), 'not a country code libphonenumber knows (e.g. US, GB, DE)')
    .optional(),
  MAX_LIVE_CALLS: z.coerce.number().int().positive().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  NODE_ENV: z.string().optional(),
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
  return {
    port: e.CTI_PORT ?? e.PORT ?? 5000,
    host: e.HOST ?? '127.0.0.1',
    store: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'sqlite', file: join(e.SWITCHBOARD_DATA_DIR ?? './data', 'switchboard.db') },
    clock: e.SWITCHBOARD_CLOCK ?? 'real',
    driver: 'simulator',
    profilesFile: e.SWITCHBOARD_PROFILES,
    apiKeys: splitList(e.SWITCHBOARD_API_KEYS),
    corsOrigins:
      e.CORS_ORIGINS === '*' ? '*' : e.CORS_ORIGINS ? splitList(e.CORS_ORIGINS) : development ? '*' : false,
    ringTimeoutMs: e.RING_TIMEOUT_MS ?? 30_000,
    defaultCountry: e.DEFAULT_COUNTRY ?? 'US',
    maxLiveCalls: e.MAX_LIVE_CALLS,
    logLevel: e.LOG_LEVEL ?? 'info',
  };
}

/** Listening beyond loopback without a key would hand the phones to anyone on the network. */
export function assertSafeExposure(config: SwitchboardConfig): void {
  if (!isLoopback(config.host) && config.apiKeys.length === 0) {
    throw new Error(
      `Refusing to listen on ${config.host} without authentication: set SWITCHBOARD_API_KEYS, or listen on 127.0.0.1.`,
    );
  }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function pickDefined(source: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== '')) as Record<
    string,
    string
  >;
}
