import { createHash, randomUUID } from 'node:crypto';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onSendHookHandler,
  preHandlerHookHandler,
} from 'fastify';
import { z } from 'zod';
import { SwitchboardError } from '../core/errors.ts';
import type { IdempotencyRepository } from '../store/types.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route honours the `Idempotency-Key` header (see registerIdempotency). */
    idempotent?: boolean;
  }
}

const HOUR_MS = 3_600_000;
/** How long a key's answer is replayed. */
export const IDEMPOTENCY_WINDOW_MS = 24 * HOUR_MS;
/** A key still running after this long belonged to a process that died; the next request takes it. */
const ABANDONED_AFTER_MS = 60_000;
/** Expired keys are deleted at most this often, by the first keyed request after it. */
const PURGE_EVERY_MS = HOUR_MS;
const MAX_KEY_LENGTH = 255;
const KEY_HEADER = 'idempotency-key';
const REPLAYED_HEADER = 'idempotent-replayed';

/** The header as routes that opt in document and validate it; other headers pass untouched. */
const IdempotencyHeaders = z.looseObject({
  [KEY_HEADER]: z
    .string()
    .min(1)
    .max(MAX_KEY_LENGTH)
    .optional()
    .describe(
      `A unique key (up to ${MAX_KEY_LENGTH} characters, a UUID fits) that makes a retry safe: the same key ` +
        'with the same request within 24 h answers the first answer again (same status and body, with ' +
        '`Idempotent-Replayed: true`) instead of running again; with another request, 422 ' +
        '`IDEMPOTENCY_KEY_REUSED`. Only successful answers are kept: after a failure the key may be retried.',
    ),
});

export interface IdempotencyDeps {
  readonly keys: IdempotencyRepository;
  readonly clock: { now(): number };
  /** Whose keys a request uses: its credential when authentication is on, so tenants never collide. */
  readonly scopeOf: (request: FastifyRequest) => string;
}

/** A key this process holds while its request runs; requests with the same key wait on `settled`. */
interface Held {
  readonly id: string;
  readonly scope: string;
  readonly key: string;
  readonly owner: string;
  readonly fingerprint: string;
  readonly settled: Promise<void>;
  readonly settle: () => void;
}

/**
 * `Idempotency-Key` for every route registered afterwards with `config: { idempotent: true }`
 * (payment-API semantics, as Stripe's). The first request with a key claims it in the store and
 * runs; a 2xx answer is kept for 24 h and replayed to every later request with the same key and the
 * same method, path and body. Any other answer frees the key: in Switchboard a refused request
 * (bad number, limit reached, driver down) has created nothing, and replaying the refusal would only
 * block the retry that should succeed. Schema validation runs before this, so a malformed request
 * never touches its key. Concurrent requests with one key: in this process they wait for the first
 * and share its answer; if the first runs in another process (several sharing PostgreSQL), they get
 * 409 `IDEMPOTENCY_KEY_IN_USE` and retry.
 */
export function registerIdempotency(app: FastifyInstance, deps: IdempotencyDeps): void {
  const running = new Map<string, Held>();
  const holding = new WeakMap<FastifyRequest, Held>();
  let lastPurge = Number.NEGATIVE_INFINITY;

  const purgeIfDue = async (now: number) => {
    if (now - lastPurge < PURGE_EVERY_MS) return;
    lastPurge = now;
    await deps.keys.purge(windowStart(now));
  };

  const claimOrReplay: preHandlerHookHandler = async (request, reply) => {
    const key = request.headers[KEY_HEADER];
    if (typeof key !== 'string') return;
    const scope = deps.scopeOf(request);
    const id = `${scope}\n${key}`;
    const fingerprint = fingerprintOf(request);
    for (;;) {
      const local = running.get(id);
      if (local) {
        if (local.fingerprint !== fingerprint) throw reused();
        await local.settled;
        continue;
      }
      const held = hold(id, scope, key, fingerprint);
      running.set(id, held);
      const now = deps.clock.now();
      let claim: Awaited<ReturnType<IdempotencyRepository['claim']>>;
      try {
        await purgeIfDue(now);
        claim = await deps.keys.claim({
          scope,
          key,
          fingerprint,
          owner: held.owner,
          now,
          expiredBefore: windowStart(now),
          abandonedBefore: now - ABANDONED_AFTER_MS,
        });
      } catch (error) {
        unhold(held);
        throw error;
      }
      if (claim.kind === 'claimed') {
        holding.set(request, held);
        return;
      }
      unhold(held);
      if (claim.fingerprint !== fingerprint) throw reused();
      if (claim.kind === 'running') throw new SwitchboardError('IDEMPOTENCY_KEY_IN_USE');
      return replay(reply, claim.answer);
    }
  };

  const keepOrRelease: onSendHookHandler = async (request, reply, payload) => {
    const held = holding.get(request);
    if (!held) return payload;
    holding.delete(request);
    try {
      const status = reply.statusCode;
      if (status >= 200 && status < 300 && typeof payload === 'string') {
        await deps.keys.complete(held.scope, held.key, held.owner, { status, body: payload });
      } else {
        await deps.keys.release(held.scope, held.key, held.owner);
      }
    } finally {
      unhold(held);
    }
    return payload;
  };

  function unhold(held: Held): void {
    if (running.get(held.id) === held) running.delete(held.id);
    held.settle();
  }

  app.addHook('onRoute', (route) => {
    if (!route.config?.idempotent) return;
    route.schema = { ...route.schema, headers: route.schema?.headers ?? IdempotencyHeaders };
    route.preHandler = [...asList(route.preHandler), claimOrReplay];
    route.onSend = [...asList(route.onSend), keepOrRelease];
  });
}

/** The oldest instant a key still answers from: a key lives 24 h, not a millisecond more. */
function windowStart(now: number): number {
  return now - IDEMPOTENCY_WINDOW_MS + 1;
}

function hold(id: string, scope: string, key: string, fingerprint: string): Held {
  let settle!: () => void;
  const settled = new Promise<void>((resolve) => {
    settle = resolve;
  });
  return { id, scope, key, owner: randomUUID(), fingerprint, settled, settle };
}

function replay(reply: FastifyReply, answer: { status: number; body: string }): FastifyReply {
  return reply
    .code(answer.status)
    .header(REPLAYED_HEADER, 'true')
    .type('application/json; charset=utf-8')
    .send(answer.body);
}

function reused(): SwitchboardError {
  return new SwitchboardError('IDEMPOTENCY_KEY_REUSED');
}

/** What a request asks, as a hash: method, path with query, and the body as canonical JSON. */
function fingerprintOf(request: FastifyRequest): string {
  const canonical = JSON.stringify([request.method, request.url, canonicalJson(request.body)]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** The value with every object's keys sorted, so that key order never makes two bodies differ. */
function canonicalJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalJson);
  if (value === null || typeof value !== 'object') return value;
  // Keys come from the client: a prototype-free object keeps "__proto__" an ordinary field.
  const sorted = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value).sort())
    sorted[key] = canonicalJson((value as Record<string, unknown>)[key]);
  return sorted;
}

function asList<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...value] : [value as T];
}
