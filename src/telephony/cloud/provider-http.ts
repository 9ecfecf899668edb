import type { Clock } from '../../core/clock.ts';
import { DriverError, type DriverErrorKind } from '../driver.ts';

/** The fetch the cloud drivers send through (the project's outbound fetch, or a test's plain one). */
export type ProviderFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** What a provider answered: its status, headers and body (as bytes, and as text). */
export interface ProviderAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly bytes: Uint8Array;
  readonly text: string;
}

export interface ProviderRequest {
  readonly method: string;
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/**
 * Sends one request to a provider's REST API within `timeoutMs` of `clock` time. A request that fails
 * on the way (refused connection, reset, no answer in time) rejects with `provider_unavailable`; any
 * HTTP answer resolves, and {@link failureOf} says what a non-2xx one means.
 */
export async function sendToProvider(
  fetch: ProviderFetch,
  clock: Clock,
  provider: string,
  request: ProviderRequest,
  timeoutMs: number,
): Promise<ProviderAnswer> {
  const controller = new AbortController();
  const timer = clock.setTimer(timeoutMs, () => controller.abort());
  try {
    const response = await fetch(request.url, {
      method: request.method,
      ...(request.headers && { headers: request.headers }),
      ...(request.body !== undefined && { body: request.body }),
      signal: controller.signal,
      redirect: 'error',
    });
    const bytes = new Uint8Array(await response.arrayBuffer());
    return {
      status: response.status,
      headers: response.headers,
      bytes,
      text: new TextDecoder().decode(bytes),
    };
  } catch (error) {
    const why = controller.signal.aborted
      ? `did not answer within ${timeoutMs} ms`
      : `could not be reached (${(error as Error).message})`;
    throw new DriverError('provider_unavailable', `${provider} ${why}`);
  } finally {
    clock.clearTimer(timer);
  }
}

/** The driver error a provider's non-2xx answer means, with the provider's own words in the message. */
export function failureOf(provider: string, answer: ProviderAnswer, said: string): DriverError {
  const { status } = answer;
  const kind = kindOf(status);
  const message = `${provider} answered ${status}${said ? `: ${said}` : ''}`;
  if (kind === 'rate_limited') return new DriverError(kind, message, retryAfterMs(answer.headers));
  if (kind === 'provider_auth') {
    return new DriverError(kind, `${message} (check the account SID and the token or key)`);
  }
  return new DriverError(kind, message);
}

function kindOf(status: number): DriverErrorKind {
  if (status === 401 || status === 403) return 'provider_auth';
  if (status === 429) return 'rate_limited';
  if (status === 404) return 'not_found';
  if (status >= 500 || status === 408) return 'provider_unavailable';
  return 'invalid';
}

/** `Retry-After` in seconds, as milliseconds; undefined when absent or not a number of seconds. */
function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1_000 : undefined;
}
