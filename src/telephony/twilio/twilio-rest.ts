import twilio from 'twilio';
import type { Clock } from '../../core/clock.ts';
import { failureOf, type ProviderFetch, sendToProvider } from '../cloud/provider-http.ts';

/** Twilio's REST API as the driver uses it: the official SDK, sending through Switchboard's fetch. */
export type TwilioRest = ReturnType<typeof twilio>;

export interface TwilioRestOptions {
  readonly accountSid: string;
  /** The auth token, or with `apiKey` the API key's secret. */
  readonly secret: string;
  readonly apiKey?: string;
  /** Instead of https://api.twilio.com (a regional edge, or a test's fake). */
  readonly apiBaseUrl?: string;
  readonly fetch: ProviderFetch;
  readonly clock: Clock;
  readonly timeoutMs: number;
}

/**
 * The SDK's client with its HTTP layer replaced: requests go through the project's fetch (one outbound
 * host policy, one time-out on the driver's clock) and any non-2xx answer rejects with the driver error
 * it means (`provider_auth`, `rate_limited` with Retry-After, `provider_unavailable`, ...) before the SDK
 * sees it, so every caller gets the same classification.
 */
export function twilioRest(options: TwilioRestOptions): TwilioRest {
  const httpClient = {
    async request(opts: SdkRequest) {
      const url = new URL(opts.uri);
      if (options.apiBaseUrl) {
        const base = new URL(options.apiBaseUrl);
        url.protocol = base.protocol;
        url.host = base.host;
      }
      for (const [key, value] of Object.entries(opts.params ?? {})) appendParam(url.searchParams, key, value);
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.username !== undefined && opts.password !== undefined) {
        headers.Authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;
      }
      let body: string | undefined;
      if (opts.data !== undefined && opts.data !== null) {
        const form = new URLSearchParams();
        for (const [key, value] of Object.entries(opts.data)) {
          appendParam(form, key, value);
        }
        body = form.toString();
      }
      const answer = await sendToProvider(
        options.fetch,
        options.clock,
        'Twilio',
        {
          method: opts.method.toUpperCase(),
          url: url.toString(),
          headers,
          ...(body !== undefined && { body }),
        },
        options.timeoutMs,
      );
      // Recording files come back as they are; everything else is JSON.
      const audio = (answer.headers.get('content-type') ?? '').startsWith('audio/');
      const parsed = audio ? Buffer.from(answer.bytes) : parseJson(answer.text);
      if (answer.status >= 400) {
        const said = (parsed as { message?: unknown } | undefined)?.message;
        throw failureOf('Twilio', answer, typeof said === 'string' ? said : answer.text.slice(0, 200));
      }
      return { statusCode: answer.status, body: parsed, headers: Object.fromEntries(answer.headers) };
    },
  };
  const username = options.apiKey ?? options.accountSid;
  return twilio(username, options.secret, {
    accountSid: options.accountSid,
    httpClient: httpClient as unknown as twilio.RequestClient,
  });
}

/** What the SDK hands its HTTP client (the fields of its RequestOptions this client reads). */
interface SdkRequest {
  readonly method: string;
  readonly uri: string;
  readonly username?: string;
  readonly password?: string;
  readonly headers?: Record<string, string>;
  readonly params?: object;
  readonly data?: object;
}

/** Form and query values as Twilio reads them: lists repeat the key. */
function appendParam(target: URLSearchParams, key: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) target.append(key, String(item));
    return;
  }
  target.append(key, String(value));
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
