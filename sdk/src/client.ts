import { errorFromAnswer } from './errors.ts';
import { type EventStream, type EventStreamOptions, openEventStream } from './events.ts';
import { OPERATIONS } from './generated/operations.ts';
import type { Args, OperationId, Operations, Result } from './types.ts';

export interface ClientOptions {
  /** Where Switchboard runs (`http://127.0.0.1:5000`); empty in a page it serves (same origin). */
  readonly baseUrl?: string;
  /** One of `SWITCHBOARD_API_KEYS`, when the server has keys; sent as `Authorization: Bearer`. */
  readonly apiKey?: string;
  /** A fetch to use instead of the global one (a proxy, a test double of the network). */
  readonly fetch?: typeof fetch;
}

/** A Switchboard client: every route under `api`, the live events, and the options it was made with. */
export interface SwitchboardClient {
  /** One method per route, named by its operationId (`api.originateCall`, `api.getCall`, ...). */
  readonly api: Operations;
  /** Calls one operation by name (what every method of `api` does). */
  request<K extends OperationId>(operation: K, args?: Args<K>): Promise<Result<K>>;
  /** Opens the Socket.io event stream; it resumes from the last `seq` it saw after every reconnect. */
  events(options?: EventStreamOptions): EventStream;
  readonly baseUrl: string;
}

/** Makes a client; nothing is sent until a method is called. */
export function createClient(options: ClientOptions = {}): SwitchboardClient {
  const baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));

  async function request<K extends OperationId>(operation: K, args?: Args<K>): Promise<Result<K>> {
    const { method, path, answer } = OPERATIONS[operation];
    const given = (args ?? {}) as {
      path?: Record<string, string | number>;
      query?: Record<string, unknown>;
      body?: unknown;
      idempotencyKey?: string;
      signal?: AbortSignal;
    };
    const headers: Record<string, string> = {};
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    if (given.idempotencyKey) headers['idempotency-key'] = given.idempotencyKey;
    const init: RequestInit = { method, headers };
    if (given.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(given.body);
    }
    if (given.signal) init.signal = given.signal;
    const response = await doFetch(
      `${baseUrl}${fillPath(path, given.path)}${queryString(given.query)}`,
      init,
    );
    if (!response.ok) throw errorFromAnswer(response.status, await readBody(response));
    if (answer === 'binary') return (await response.arrayBuffer()) as unknown as Result<K>;
    if (answer === 'text') return (await response.text()) as unknown as Result<K>;
    const body = (await response.json()) as { data?: unknown };
    return (answer === 'envelope' ? body.data : body) as Result<K>;
  }

  const api = Object.fromEntries(
    (Object.keys(OPERATIONS) as OperationId[]).map((id) => [
      id,
      (args?: Args<typeof id>) => request(id, args),
    ]),
  ) as unknown as Operations;

  return {
    api,
    request,
    baseUrl,
    events: (streamOptions = {}) =>
      openEventStream(baseUrl, { ...(options.apiKey && { apiKey: options.apiKey }), ...streamOptions }),
  };
}

function fillPath(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new TypeError(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(String(value));
  });
}

function queryString(query: Record<string, unknown> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(name, String(item));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
