import type { Clock } from '../../core/clock.ts';
import { failureOf, type ProviderFetch, sendToProvider } from '../cloud/provider-http.ts';
import { DriverError } from '../driver.ts';

/** Exotel's call resource (v1, JSON), the fields the driver reads. */
export interface ExotelCall {
  readonly Sid: string;
  readonly Status: string;
  readonly Duration?: number | string | null;
  readonly RecordingUrl?: string | null;
}

export interface ExotelApiOptions {
  readonly sid: string;
  readonly apiKey: string;
  readonly apiToken: string;
  /** https://<subdomain> (api.exotel.com, api.in.exotel.com), or a test's fake. */
  readonly baseUrl: string;
  readonly fetch: ProviderFetch;
  readonly clock: Clock;
  readonly timeoutMs: number;
}

/**
 * A small client for the two Voice v1 requests the driver makes: connect a call (`Calls/connect`) and
 * read a call's details (`Calls/<CallSid>`), both as JSON (`.json`). Exotel publishes no well-kept Node
 * SDK, so this goes straight through Switchboard's fetch; non-2xx answers reject with the driver error
 * they mean (`provider_auth`, `rate_limited`, `provider_unavailable`, `invalid`).
 */
export class ExotelApi {
  constructor(private readonly options: ExotelApiOptions) {}

  /** POST /v1/Accounts/<sid>/Calls/connect.json with the form fields given. */
  async connect(fields: Readonly<Record<string, string | readonly string[]>>): Promise<ExotelCall> {
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(fields)) {
      if (typeof value === 'string') form.append(key, value);
      else {
        for (const [i, item] of value.entries()) form.append(`${key}[${i}]`, item);
      }
    }
    return this.call('POST', 'Calls/connect.json', form.toString());
  }

  /** GET /v1/Accounts/<sid>/Calls/<CallSid>.json: where the call is now. */
  details(callSid: string): Promise<ExotelCall> {
    return this.call('GET', `Calls/${encodeURIComponent(callSid)}.json`);
  }

  private async call(method: string, path: string, body?: string): Promise<ExotelCall> {
    const { sid, apiKey, apiToken, baseUrl, fetch, clock, timeoutMs } = this.options;
    const answer = await sendToProvider(
      fetch,
      clock,
      'Exotel',
      {
        method,
        url: `${baseUrl}/v1/Accounts/${encodeURIComponent(sid)}/${path}`,
        headers: {
          authorization: `Basic ${Buffer.from(`${apiKey}:${apiToken}`).toString('base64')}`,
          accept: 'application/json',
          ...(body !== undefined && { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        ...(body !== undefined && { body }),
      },
      timeoutMs,
    );
    const parsed = parse(answer.text);
    if (answer.status >= 400) {
      const said = parsed?.RestException?.Message;
      throw failureOf('Exotel', answer, typeof said === 'string' ? said : answer.text.slice(0, 200));
    }
    const call = parsed?.Call;
    if (!call || typeof call.Sid !== 'string') {
      throw new DriverError('provider_unavailable', 'Exotel answered without a Call resource');
    }
    return call as ExotelCall;
  }
}

// biome-ignore lint/suspicious/noExplicitAny: a provider's JSON, read field by field with checks.
function parse(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
