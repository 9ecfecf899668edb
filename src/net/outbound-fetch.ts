import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { type OutboundPolicy, OutboundRefusedError, type ResolvedAddress } from './outbound-policy.ts';

/** How many redirects a request follows, each checked like the first hop. */
const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Statuses whose answer has no body, which a Response refuses to be given one. */
const NO_BODY = new Set([204, 205, 304]);
/** Credentials meant for one origin do not follow a redirect to another (as fetch does). */
const ORIGIN_BOUND_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/** The subset of fetch outbound requests use: a URL, method, headers, a text body, a signal. */
export type OutboundFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * A fetch that goes only where `policy` allows. Each hop's host is resolved and checked by the
 * policy, and the connection is made to the checked address (the lookup is pinned), so DNS
 * rebinding between check and connect cannot redirect it. Redirects are followed by hand, up to
 * five, each target checked again before anything is sent to it; a refused hop rejects with
 * OutboundRefusedError and nothing of the refused target is ever read.
 */
export function createOutboundFetch(policy: OutboundPolicy): OutboundFetch {
  return async (input, init = {}) => {
    let url = new URL(String(input));
    let method = (init.method ?? 'GET').toUpperCase();
    let body = textBody(init.body);
    const headers = Object.fromEntries(new Headers(init.headers));
    for (let hop = 0; ; hop++) {
      const answer = await send(policy, url, method, headers, body, init.signal ?? undefined);
      const status = answer.statusCode ?? 0;
      const location = answer.headers.location;
      if (!REDIRECTS.has(status) || location === undefined || init.redirect === 'manual') {
        return toResponse(answer, method);
      }
      answer.resume();
      if (init.redirect === 'error') throw new OutboundRefusedError(`${url.host} redirects (${status})`);
      if (hop >= MAX_REDIRECTS) throw new OutboundRefusedError(`more than ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, url);
      if (status === 303 ? method !== 'HEAD' : status <= 302 && method === 'POST') {
        method = 'GET';
        body = undefined;
        delete headers['content-type'];
      }
      if (next.origin !== url.origin) for (const name of ORIGIN_BOUND_HEADERS) delete headers[name];
      url = next;
    }
  };
}

async function send(
  policy: OutboundPolicy,
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  signal: AbortSignal | undefined,
): Promise<IncomingMessage> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundRefusedError(`${url.protocol} is not http(s)`);
  }
  const target = await policy.resolve(url.hostname);
  signal?.throwIfAborted();
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(url, {
      method,
      headers,
      lookup: pinnedTo(target),
      // A pooled connection is keyed by host name, not by the address checked for this request.
      agent: false,
      ...(signal && { signal }),
    });
    outgoing.once('response', resolve);
    outgoing.once('error', reject);
    outgoing.end(body);
  });
}

/** A lookup that answers the address the policy checked, whatever DNS would say now. */
function pinnedTo({ address, family }: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

function toResponse(answer: IncomingMessage, method: string): Response {
  const status = answer.statusCode ?? 0;
  if (status < 200 || status > 599) {
    answer.destroy();
    throw new Error(`unexpected status ${status}`);
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  if (NO_BODY.has(status) || method === 'HEAD') {
    answer.resume();
    return new Response(null, { status, headers });
  }
  const stream = Readable.toWeb(answer) as NodeReadableStream<Uint8Array>;
  return new Response(stream as unknown as ReadableStream<Uint8Array>, { status, headers });
}

function textBody(body: RequestInit['body']): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  throw new TypeError('outbound requests send text bodies only');
}
