import { z } from 'zod';

/** Twilio, when `SWITCHBOARD_DRIVER=twilio`. Secrets are not enumerable, so logging the config omits them. */
export interface TwilioConfig {
  readonly accountSid: string;
  readonly authToken: string;
  readonly apiKey: string | undefined;
  readonly apiSecret: string | undefined;
  /** The Twilio number calls come from (`TWILIO_CALLER_ID`). */
  readonly callerId: string;
  /** Switchboard's public base URL as Twilio reaches it (`SWITCHBOARD_PUBLIC_URL`). */
  readonly publicUrl: string;
  /** Instead of https://api.twilio.com (`TWILIO_API_URL`: an edge, or a test double). */
  readonly apiUrl: string | undefined;
  /** Where `sound:`/`tone:` prompts are served from (`TWILIO_MEDIA_URL`). */
  readonly mediaUrl: string | undefined;
}

/** Exotel, when `SWITCHBOARD_DRIVER=exotel`. */
export interface ExotelConfig {
  readonly sid: string;
  readonly apiKey: string;
  readonly apiToken: string;
  /** The API host of the account's region (`EXOTEL_SUBDOMAIN`: api.exotel.com, api.in.exotel.com). */
  readonly subdomain: string;
  /** The ExoPhone shown to the parties (`EXOTEL_VIRTUAL_NUMBER`). */
  readonly virtualNumber: string;
  /** The flow a call to a single number runs once answered (`EXOTEL_APP_ID`). */
  readonly appId: string | undefined;
  readonly publicUrl: string;
  /** Instead of https://<subdomain> (`EXOTEL_API_URL`: a test double). */
  readonly apiUrl: string | undefined;
}

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** The environment variables of the cloud drivers. */
export const cloudEnv = {
  SWITCHBOARD_PUBLIC_URL: httpUrl.optional(),
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'an account SID: AC and 32 hex digits')
    .optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  TWILIO_API_KEY: z
    .string()
    .regex(/^SK[0-9a-fA-F]{32}$/, 'an API key SID: SK and 32 hex digits')
    .optional(),
  TWILIO_API_SECRET: z.string().min(1).optional(),
  TWILIO_CALLER_ID: z.string().min(1).optional(),
  TWILIO_API_URL: httpUrl.optional(),
  TWILIO_MEDIA_URL: httpUrl.optional(),
  EXOTEL_SID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
  EXOTEL_API_KEY: z.string().min(1).optional(),
  EXOTEL_API_TOKEN: z.string().min(1).optional(),
  EXOTEL_SUBDOMAIN: z
    .string()
    .regex(/^[a-z0-9.-]+$/, 'a host name such as api.exotel.com or api.in.exotel.com')
    .optional(),
  EXOTEL_VIRTUAL_NUMBER: z.string().min(1).optional(),
  EXOTEL_APP_ID: z
    .string()
    .regex(/^[0-9]{1,12}$/, 'the numeric id of an Exotel flow (app)')
    .optional(),
  EXOTEL_API_URL: httpUrl.optional(),
};

type CloudEnv = { [K in keyof typeof cloudEnv]?: string | undefined };

const missing = (driver: string, names: string[]) =>
  new Error(
    `Invalid configuration: ${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} required with the ${driver} driver`,
  );

function publicUrl(e: CloudEnv, driver: string): string {
  if (!e.SWITCHBOARD_PUBLIC_URL) {
    throw new Error(
      `Invalid configuration: SWITCHBOARD_PUBLIC_URL is required with the ${driver} driver (the https URL at which ${driver} reaches this server)`,
    );
  }
  return e.SWITCHBOARD_PUBLIC_URL.replace(/\/+$/, '');
}

/** Twilio's settings, with a message naming what is missing. */
export function twilioConfig(e: CloudEnv): TwilioConfig {
  const absent = (['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_CALLER_ID'] as const).filter(
    (n) => !e[n],
  );
  if (absent.length > 0) throw missing('twilio', absent);
  if (e.TWILIO_API_KEY && !e.TWILIO_API_SECRET)
    throw missing('twilio', ['TWILIO_API_SECRET (with TWILIO_API_KEY)']);
  const config = {
    accountSid: e.TWILIO_ACCOUNT_SID as string,
    apiKey: e.TWILIO_API_KEY,
    callerId: e.TWILIO_CALLER_ID as string,
    publicUrl: publicUrl(e, 'twilio'),
    apiUrl: e.TWILIO_API_URL,
    mediaUrl: e.TWILIO_MEDIA_URL,
  };
  Object.defineProperty(config, 'authToken', { value: e.TWILIO_AUTH_TOKEN, enumerable: false });
  Object.defineProperty(config, 'apiSecret', { value: e.TWILIO_API_SECRET, enumerable: false });
  return config as TwilioConfig;
}

/** Exotel's settings, with a message naming what is missing. */
export function exotelConfig(e: CloudEnv): ExotelConfig {
  const required = ['EXOTEL_SID', 'EXOTEL_API_KEY', 'EXOTEL_API_TOKEN', 'EXOTEL_VIRTUAL_NUMBER'] as const;
  const absent = required.filter((n) => !e[n]);
  if (absent.length > 0) throw missing('exotel', absent);
  const config = {
    sid: e.EXOTEL_SID as string,
    apiKey: e.EXOTEL_API_KEY as string,
    subdomain: e.EXOTEL_SUBDOMAIN ?? 'api.exotel.com',
    virtualNumber: e.EXOTEL_VIRTUAL_NUMBER as string,
    appId: e.EXOTEL_APP_ID,
    publicUrl: publicUrl(e, 'exotel'),
    apiUrl: e.EXOTEL_API_URL,
  };
  Object.defineProperty(config, 'apiToken', { value: e.EXOTEL_API_TOKEN, enumerable: false });
  return config as ExotelConfig;
}
