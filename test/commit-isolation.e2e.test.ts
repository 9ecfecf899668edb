import { afterEach, describe, expect, it } from 'vitest';
import { MAX_CONTEXT_BYTES, MAX_CONTEXT_DEPTH } from '../src/apps/http-kit/schemas.ts';
import { startServer, type TestServer } from './support/server.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close({ removeData: true }).catch(() => undefined);
});

async function start(env: Record<string, string> = {}) {
  const server = await startServer({ env });
  servers.push(server);
  return server;
}

/** `{ a: { a: ... { a: 1 } } }`, `levels` objects deep, as JSON text (JSON.stringify would overflow). */
const nestedJson = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

/** A body whose `context` is `levels` deep, sent as text so the client never recurses over it. */
const originateWithDeepContext = (levels: number) => `{"to":"+12125550101","context":${nestedJson(levels)}}`;

async function eventSeqs(server: TestServer): Promise<number[]> {
  const res = await server.request('GET', '/api/v1/events?after=0&limit=1000');
  return res.body.data.map((e: { seq: number }) => e.seq);
}

describe('context limits at the edge', () => {
  it('refuses a context nested 20,000 deep with 400 naming the limit, on both APIs', async () => {
    const server = await start();
    const v1 = await server.request('POST', '/api/v1/calls', originateWithDeepContext(20_000));
    expect(v1.status).toBe(400);
    expect(v1.body.error.code).toBe('VALIDATION_ERROR');
    expect(v1.body.error.message).toMatch(/64 levels/);

    // Deep enough to break the context limit, shallow enough for the body limit: the context's own rule.
    const cti = await server.request(
      'POST',
      '/api/cti/call',
      originateWithDeepContext(MAX_CONTEXT_DEPTH + 1),
    );
    expect(cti.status).toBe(400);
    expect(cti.body).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(cti.body.error).toMatch(new RegExp(`context: nests deeper than ${MAX_CONTEXT_DEPTH} levels`));
    expect(server.sb.engine.liveCount).toBe(0);
  });

  it('accepts a context at the depth limit', async () => {
    const server = await start();
    const res = await server.request('POST', '/api/v1/calls', originateWithDeepContext(MAX_CONTEXT_DEPTH));
    expect(res.status).toBe(201);
  });

  it('refuses a 1 MB context with 400 naming the size limit, and takes one at the limit', async () => {
    const server = await start();
    const big = await server.request('POST', '/api/v1/calls', {
      to: '+12125550101',
      context: { notes: 'x'.repeat(1_000_000) },
    });
    expect(big.status).toBe(400);
    expect(big.body.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(big.body.error.message).toContain(`more than the ${MAX_CONTEXT_BYTES} allowed`);
    expect(big.body.error.details).toEqual([expect.objectContaining({ in: 'body', path: 'context' })]);

    const fits = 'x'.repeat(MAX_CONTEXT_BYTES - '{"notes":""}'.length);
    const atLimit = await server.request('POST', '/api/v1/calls', {
      to: '+12125550101',
      context: { notes: fits },
    });
    expect(atLimit.status).toBe(201);
  });

  it('refuses any body nested deeper than the JSON limit, whatever the route', async () => {
    const server = await start();
    for (const path of ['/api/v1/ivr/flows/validate', '/api/v1/agents', '/api/cti/emergency']) {
      const res = await server.request('POST', path, nestedJson(20_000));
      expect(res.status).toBe(400);
      // /api/v1 answers { error: { message } }; mock-CTI a bare { error: message }.
      const message = typeof res.body.error === 'string' ? res.body.error : res.body.error.message;
      expect(message).toMatch(/nests deeper than 64 levels/);
    }
  });

  it('a MAX_LIVE_CALLS server still takes calls after refusing bad ones', async () => {
    const server = await start({ MAX_LIVE_CALLS: '2' });
    for (let i = 0; i < 3; i++) {
      const bad = await server.request('POST', '/api/v1/calls', originateWithDeepContext(20_000));
      expect(bad.status).toBe(400);
    }
    const good = await server.request('POST', '/api/v1/calls', { to: '+12125550101' });
    expect(good.status).toBe(201);
    expect(server.sb.engine.liveCount).toBe(1);
  });
});

describe('group commit isolation', () => {
  it('5 unstorable and 50 good originates at once: the 50 succeed, seq stays gap-free, live count is right', async () => {
    const server = await start();
    const before = server.sb.engine.events.lastSeq;
    // Past HTTP validation, as an app could: data JSON cannot hold, found only when the commit serialises.
    const unstorable = [
      { ticket: 1n },
      {
        get ticket(): string {
          throw new Error('getter exploded');
        },
      },
      { ticket: 2n },
      { nested: { deeper: 3n } },
      { ticket: 4n },
    ];
    const good = Array.from({ length: 50 }, (_, i) => ({ ticket: `T-${i}` }));
    // Interleaved, all started in one turn of the event loop: they share one group commit.
    const contexts = good.flatMap((context, i) =>
      i < unstorable.length ? [context, unstorable[i]!] : [context],
    );
    const outcomes = await Promise.allSettled(
      contexts.map((context) => server.sb.engine.originate({ to: '+12125550101', context })),
    );

    const fulfilled = outcomes.filter((o) => o.status === 'fulfilled');
    const rejected = outcomes.filter((o) => o.status === 'rejected');
    expect(fulfilled).toHaveLength(50);
    expect(rejected).toHaveLength(5);
    expect(rejected.map((o) => String((o as PromiseRejectedResult).reason))).toEqual(
      Array(5).fill(expect.stringMatching(/call\.ringing event cannot be stored/)),
    );
    // The refused calls hold no live slot.
    expect(server.sb.engine.liveCount).toBe(50);
    expect((await server.request('GET', '/health')).body.liveCalls).toBe(50);

    const seqs = await eventSeqs(server);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    const logged = await server.request('GET', `/api/v1/events?after=${before}&limit=1000`);
    const types: string[] = logged.body.data.map((e: { type: string }) => e.type);
    expect(types.filter((t) => t === 'call.ringing')).toHaveLength(50);

    // After the refusals the server goes on as before.
    const first = (fulfilled[0] as PromiseFulfilledResult<{ id: string }>).value.id;
    expect((await server.request('POST', `/api/v1/calls/${first}/hangup`)).status).toBe(200);
    expect((await server.request('POST', '/api/v1/calls', { to: '+12125550102' })).status).toBe(201);
    expect(server.sb.engine.liveCount).toBe(50);
    const after = await eventSeqs(server);
    expect(after).toEqual(Array.from({ length: after.length }, (_, i) => i + 1));
  });
});
