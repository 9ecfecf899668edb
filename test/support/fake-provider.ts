import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Answers a REST request with a status, a JSON body and headers. */
export type Answer = (status: number, body: unknown, headers?: Record<string, string>) => undefined;

/** A REST request as a fake provider routes it. */
export interface ProviderRequest {
  readonly method: string;
  readonly path: string;
  /** The full URL path and query. */
  readonly url: string;
  readonly form: URLSearchParams;
}

/**
 * What the fake providers share: an HTTP server on loopback that checks Basic credentials, injects
 * faults on demand (an HTTP status, or no answer at all), records each request with the status it got,
 * and keeps track of its work in flight so that a test can wait until it has nothing left to do.
 */
export abstract class FakeProviderServer {
  readonly requests: { method: string; path: string; fields: Record<string, string>; status: number }[] = [];
  private faults: { status: number | 'stall'; headers?: Record<string, string> }[] = [];
  private stalled: ServerResponse[] = [];
  private inFlight = new Set<Promise<unknown>>();
  private server: Server | undefined;

  /** The `Authorization` header the account's credentials make. */
  protected abstract readonly expectedAuthorization: string;
  /** The provider's error body for a status. */
  protected abstract errorBody(status: number): unknown;
  /** Serves an authenticated request that drew no fault. */
  protected abstract route(request: ProviderRequest, answer: Answer): undefined;

  /** Where the fake listens, once it does. */
  baseUrl = '';

  async listen(): Promise<string> {
    const server = createServer((req, res) => this.track(this.serve(req, res)));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    for (const res of this.stalled) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** The next `times` REST requests answer `status` (or are never answered: `'stall'`). */
  fail(status: number | 'stall', times = 1, headers?: Record<string, string>): void {
    for (let i = 0; i < times; i++) this.faults.push({ status, ...(headers && { headers }) });
  }

  /** Until {@link recover}: every REST request answers 503 (an outage). */
  outage(): void {
    this.faults = Array.from({ length: 10_000 }, () => ({ status: 503 }));
  }

  recover(): void {
    this.faults = [];
  }

  /** Waits until nothing is in flight: requests served, callbacks answered. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  protected track<T>(work: Promise<T>): void {
    const tracked = work.catch(() => undefined);
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of req) text += chunk;
    const form = new URLSearchParams(text);
    const fields = Object.fromEntries(form);
    const method = req.method ?? '';
    const path = (req.url ?? '').split('?')[0] ?? '';
    const answer: Answer = (status, body, headers = {}) => {
      this.requests.push({ method, path, fields, status });
      // Bytes (a recording's file) go as they are, with the content type given; anything else as JSON.
      const raw = body instanceof Uint8Array;
      res.writeHead(status, { ...(!raw && { 'content-type': 'application/json' }), ...headers });
      res.end(raw ? body : status === 204 ? undefined : JSON.stringify(body));
      return undefined;
    };
    const fault = this.faults.shift();
    if (fault?.status === 'stall') {
      this.requests.push({ method, path, fields, status: 0 });
      this.stalled.push(res);
      return;
    }
    if (fault) return answer(fault.status, this.errorBody(fault.status), fault.headers);
    if (req.headers.authorization !== this.expectedAuthorization) return answer(401, this.errorBody(401));
    this.route({ method, path, url: req.url ?? '', form }, answer);
  }
}
