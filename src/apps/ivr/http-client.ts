import type { OutboundFetch } from '../../net/outbound-fetch.ts';
import { OutboundRefusedError } from '../../net/outbound-policy.ts';
import type { Value } from './expressions.ts';

/** A request an `http` node makes, with its templates filled in. */
export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** How a request ended: an answer (any status), or no answer at all. */
export type HttpResult =
  | {
      readonly ok: true;
      readonly status: number;
      /** The answer read as JSON; undefined when it is empty or no JSON. */
      readonly json: Value | undefined;
      readonly ms: number;
    }
  | { readonly ok: false; readonly error: string; readonly ms: number };

/** Answers past this size are refused: a prompt needs a few fields, not a download. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** The HTTP client `http` nodes use: the outbound policy's fetch unless the IVR is given another. */
export type FetchLike = OutboundFetch;

/**
 * Makes one request and settles with its outcome; never rejects. The timeout is not here: the node
 * arms it on the IVR's clock (virtual in tests) and aborts through `signal` when it fires.
 */
export async function performRequest(
  request: HttpRequest,
  signal: AbortSignal,
  fetchImpl: FetchLike,
): Promise<HttpResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const response = await fetchImpl(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined && { body: request.body }),
      signal,
    });
    const text = await readLimited(response);
    return { ok: true, status: response.status, json: parseJson(text), ms: ms() };
  } catch (error) {
    return { ok: false, error: describeFailure(error), ms: ms() };
  }
}

async function readLimited(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      throw new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): Value | undefined {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as Value;
  } catch {
    return undefined;
  }
}

/**
 * The reason for the trace: the policy's refusal, or the network's code (ECONNREFUSED, ...), which
 * fetch hides in `cause`. Never anything the target answered.
 */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof OutboundRefusedError) return `refused: ${error.message}`;
  if (error.name === 'AbortError') return 'aborted';
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? (error as { code?: string }).code ?? error.message;
}

/** A field of a JSON answer by dotted path (`trips.0.id`); null when any step is missing. */
export function fieldAt(json: Value | undefined, path: string): Value {
  let current: Value | undefined = json;
  for (const step of path.split('.')) {
    if (Array.isArray(current)) {
      const index = /^[0-9]+$/.test(step) ? Number(step) : -1;
      current = index >= 0 && index < current.length ? current[index] : undefined;
    } else if (current !== null && typeof current === 'object' && Object.hasOwn(current, step)) {
      current = (current as Record<string, Value>)[step];
    } else {
      return null;
    }
    if (current === undefined) return null;
  }
  return current ?? null;
}
