import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { type Socket as ClientSocket, io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type ApiDeps, buildServer } from '../src/api/server.ts';
import type { SimControls, SimProfileRule } from '../src/api/sim-controls.ts';
import type { CallSnapshot } from '../src/core/call.ts';
import { ERROR_CATALOGUE, SwitchboardError } from '../src/core/errors.ts';
import type { DomainEvent } from '../src/core/events.ts';
import { withEngineErrorsOn } from '../src/engine/driver-errors.ts';
import type { CallControl, EventFeed, OriginateCommand } from '../src/engine/types.ts';
import type { CallRecordFilter } from '../src/store/types.ts';
import { DriverError } from '../src/telephony/driver.ts';
import { rawPost } from './support/server.ts';

// ---------------------------------------------------------------------------------------------
// Fakes: plain objects that answer what each case needs; anything unexpected fails loudly (a 500).

const KEY = 'k-0123456789abcdef';
const STARTED = '2026-01-05T09:00:00.000Z';

function snapshot(overrides: Partial<CallSnapshot> = {}): CallSnapshot {
  return {
    id: 'call-1',
    direction: 'outbound',
    status: 'ringing',
    from: 'PJSIP/1001',
    to: '+15551230002',
    context: { ticket: 'T-7' },
    legs: [{ id: 'leg-1', role: 'caller', address: 'PJSIP/1001', status: 'ringing', startedAt: STARTED }],
    startedAt: STARTED,
    ...overrides,
  };
}

const notFound = (id: string) => new SwitchboardError('CALL_NOT_FOUND', `No call has the id ${id}.`);

function fakeCalls(overrides: Partial<CallControl> = {}): CallControl {
  const unexpected = async (): Promise<never> => {
    throw new Error('not expected in this test');
  };
  return {
    originate: unexpected,
    answer: unexpected,
    hangup: unexpected,
    hold: unexpected,
    unhold: unexpected,
    transfer: unexpected,
    completeTransfer: unexpected,
    cancelTransfer: unexpected,
    sendDtmf: unexpected,
    get: async (id) => {
      throw notFound(id);
    },
    list: unexpected,
    liveCount: 0,
    ...overrides,
  };
}

/**
 * An event feed like the engine's: an event is in the log before live listeners hear of it, and they
 * hear of it a little later (a microtask, or a macrotask when `deliverLater`), as after a log write.
 */
class FakeFeed implements EventFeed {
  readonly log: DomainEvent[] = [];
  private readonly listeners = new Set<(event: DomainEvent) => void>();
  /** Runs at every read of the log, once before and once after the page is taken. */
  onRead: ((when: 'before' | 'after') => void) | undefined;
  reads = 0;

  constructor(private readonly deliverLater = false) {}

  get lastSeq(): number {
    return this.log.length;
  }

  publish(): DomainEvent {
    const seq = this.log.length + 1;
    const event: DomainEvent = {
      id: `evt-${seq}`,
      seq,
      type: 'call.ringing',
      timestamp: STARTED,
      callId: 'call-1',
      data: { call: snapshot() },
    };
    this.log.push(event);
    const deliver = () => {
      for (const listener of this.listeners) listener(event);
    };
    if (this.deliverLater) setImmediate(deliver);
    else queueMicrotask(deliver);
    return event;
  }

  subscribe(listener: (event: DomainEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async after(seq: number, limit: number): Promise<DomainEvent[]> {
    this.reads += 1;
    this.onRead?.('before');
    const page = this.log.filter((event) => event.seq > seq).slice(0, limit);
    this.onRead?.('after');
    return page;
  }
  async forCall(callId: string, after: number, limit: number): Promise<DomainEvent[]> {
    return this.log.filter((event) => event.callId === callId && event.seq > after).slice(0, limit);
  }
}

function fakeSim(overrides: Partial<SimControls> = {}): SimControls & { calls: string[] } {
  const calls: string[] = [];
  const profiles = new Map<string, SimProfileRule>();
  let now = Date.parse(STARTED);
  return {
    calls,
    setProfile: (rule) => {
      profiles.set(rule.match, rule);
    },
    removeProfile: (match) => profiles.delete(match),
    listProfiles: () => [...profiles.values()],
    placeInboundCall: ({ from, to, abandonAfterMs }) => {
      calls.push(`inbound ${from} ${to} ${abandonAfterMs}`);
      return 'sim-in-1';
    },
    partyAnswer: (id) => {
      calls.push(`answer ${id}`);
    },
    partyHangup: (id, cause) => {
      calls.push(`hangup ${id} ${cause}`);
    },
    partyReject: (id, cause) => {
      calls.push(`reject ${id} ${cause}`);
    },
    setPhoneRegistered: (endpoint, registered) => {
      calls.push(`phone ${endpoint} ${registered}`);
    },
    partySendDtmf: (id, digits, interDigitMs) => {
      calls.push(`dtmf ${id} ${digits} ${interDigitMs}`);
    },
    partyHold: (id) => {
      calls.push(`hold ${id}`);
    },
    partyUnhold: (id) => {
      calls.push(`unhold ${id}`);
    },
    channels: () => [
      { id: 'sim-in-1', direction: 'inbound', address: '+15551230009', state: 'ringing', held: false },
    ],
    clock: {
      now: () => now,
      advance: async (ms) => {
        now += ms;
      },
    },
    reset: async () => {
      calls.push('reset');
    },
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------
// Server and client plumbing.

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function build(overrides: Partial<ApiDeps> = {}): Promise<FastifyInstance> {
  const { app } = await buildServer({
    calls: fakeCalls(),
    events: new FakeFeed(),
    health: () => ({ driver: 'fake' }),
    auth: { apiKeys: [] },
    cors: { origins: false },
    logger: false,
    ...overrides,
  });
  cleanups.push(() => app.close());
  return app;
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** A Socket.io client; `key` goes in the handshake's headers, where the server checks it. */
function client(url: string, auth: Record<string, unknown>, key?: string): ClientSocket {
  const socket = connect(url, {
    auth,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...(key !== undefined && { extraHeaders: { authorization: `Bearer ${key}` } }),
  });
  cleanups.push(() => {
    socket.close();
  });
  return socket;
}

function once<T>(socket: ClientSocket, event: string): Promise<T> {
  return new Promise((resolve) => socket.once(event, resolve));
}

/** Collects domain events (emitted under their own type) and resolves once one with `seq` arrived. */
function collect(socket: ClientSocket) {
  const seqs: number[] = [];
  const waiters: { seq: number; resolve: () => void }[] = [];
  socket.onAny((name: string, payload: DomainEvent) => {
    if (name !== payload?.type) return;
    seqs.push(payload.seq);
    for (const waiter of waiters) if (payload.seq >= waiter.seq) waiter.resolve();
  });
  return {
    seqs,
    until: (seq: number) => new Promise<void>((resolve) => waiters.push({ seq, resolve })),
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const json = { 'content-type': 'application/json' };

// ---------------------------------------------------------------------------------------------

describe('envelope and error shape on /api/v1', () => {
  it('wraps a result in { success, data } with only the documented fields', async () => {
    const call = { ...snapshot(), internalState: 'secret' } as CallSnapshot;
    const app = await build({ calls: fakeCalls({ get: async () => call }) });
    const res = await app.inject({ url: '/api/v1/calls/call-1' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, data: snapshot() });
  });

  it('answers an unknown call 404 CALL_NOT_FOUND in the shared shape', async () => {
    const app = await build();
    const res = await app.inject({ url: '/api/v1/calls/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      success: false,
      error: { code: 'CALL_NOT_FOUND', message: 'No call has the id nope.' },
    });
  });

  it('answers an unknown route 404 NOT_FOUND in the shared shape', async () => {
    const app = await build();
    for (const url of ['/nope', '/api/v1/nope', '/api/v1/calls/call-1/explode']) {
      const res = await app.inject({ method: 'POST', url });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
    }
  });

  it('answers malformed JSON 400 VALIDATION_ERROR, never 500', async () => {
    const app = await build();
    const res = await app.inject({ method: 'POST', url: '/api/v1/calls', headers: json, payload: '{"to": ' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR' } });
  });

  it('rejects unknown body fields, naming each', async () => {
    const app = await build();
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/calls',
      payload: { to: '+15551230002', bogus: 1, context: {}, also: true },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([
      { in: 'body', path: 'bogus', problem: 'unknown field' },
      { in: 'body', path: 'also', problem: 'unknown field' },
    ]);
  });

  it('names a missing field as required', async () => {
    const app = await build();
    const res = await app.inject({ method: 'POST', url: '/api/v1/calls', payload: { from: 'PJSIP/1001' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'VALIDATION_ERROR',
      details: [{ in: 'body', path: 'to', problem: 'required' }],
    });
    expect(res.json().error.message).toContain('body.to: required');
  });

  it('rejects a bad enum, a bad limit and a bad date in the list query', async () => {
    const app = await build();
    const res = await app.inject({ url: '/api/v1/calls?status=ringing,ringin&limit=501&since=yesterday' });
    expect(res.statusCode).toBe(400);
    const paths = res.json().error.details.map((d: { in: string; path: string }) => `${d.in}.${d.path}`);
    expect(paths).toEqual(['query.status.1', 'query.since', 'query.limit']);
  });

  it('rejects a body that is missing, of the wrong type, or with bad DTMF digits', async () => {
    const app = await build();
    const cases = [
      { url: '/api/v1/calls/call-1/transfer', payload: undefined },
      { url: '/api/v1/calls/call-1/transfer', payload: [1, 2] },
      { url: '/api/v1/calls/call-1/transfer', payload: { to: 42 } },
      { url: '/api/v1/calls/call-1/dtmf', payload: { digits: '12x' } },
      { url: '/api/v1/calls/call-1/dtmf', payload: { digits: '' } },
    ];
    for (const { url, payload } of cases) {
      const res = await app.inject({ method: 'POST', url, ...(payload === undefined ? {} : { payload }) });
      expect(res.statusCode, `${url} ${JSON.stringify(payload)}`).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_ERROR');
    }
  });

  it('answers a non-JSON content type 415 and a body over the limit 413', async () => {
    const app = await build();
    const text = await app.inject({
      method: 'POST',
      url: '/api/v1/calls',
      headers: { 'content-type': 'text/plain' },
      payload: 'to=+15551230002',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ success: false, error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    const big = await app.inject({
      method: 'POST',
      url: '/api/v1/calls',
      payload: { to: '+15551230002', context: { blob: 'x'.repeat(1_100_000) } },
    });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ success: false, error: { code: 'BODY_TOO_LARGE' } });
  });

  it('passes a catalogued engine error through with its status', async () => {
    const conflict = new SwitchboardError('INVALID_STATE', 'Cannot hold a call that is ringing.', {
      status: 'ringing',
    });
    const app = await build({
      calls: fakeCalls({
        hold: async () => {
          throw conflict;
        },
      }),
    });
    const res = await app.inject({ method: 'POST', url: '/api/v1/calls/call-1/hold' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ success: false, error: conflict.toBody() });
  });

  it('answers an unexpected failure 500 INTERNAL_ERROR, logs it and does not leak its message', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const app = await build({
      logger,
      calls: fakeCalls({
        get: async () => {
          throw new Error('database password is hunter2');
        },
      }),
    });
    const res = await app.inject({ url: '/api/v1/calls/call-1' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      success: false,
      error: { code: 'INTERNAL_ERROR', message: ERROR_CATALOGUE.INTERNAL_ERROR.message },
    });
    expect(
      lines.some((line) => line.includes('request failed unexpectedly') && line.includes('hunter2')),
    ).toBe(true);
  });

  it('accepts an empty JSON body on a command without one', async () => {
    const app = await build({
      calls: fakeCalls({ hangup: async (id) => snapshot({ id, status: 'ended' }) }),
    });
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/calls/call-1/hangup',
      headers: json,
      payload: '',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.status).toBe('ended');
  });
});

describe('/api/v1 calls and events', () => {
  it('originates with 201 and hands the engine exactly the command', async () => {
    const seen: OriginateCommand[] = [];
    const app = await build({
      calls: fakeCalls({
        originate: async (command) => {
          seen.push(command);
          return snapshot();
        },
      }),
    });
    const body = {
      from: 'PJSIP/1001',
      to: '+15551230002',
      context: { ticket: 'T-7' },
      ringTimeoutMs: 20_000,
    };
    const res = await app.inject({ method: 'POST', url: '/api/v1/calls', payload: body });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ success: true, data: snapshot() });
    expect(seen).toEqual([body]);
  });

  it('lists with the filter read from the query and pages with nextCursor', async () => {
    const filters: CallRecordFilter[] = [];
    const app = await build({
      calls: fakeCalls({
        list: async (filter) => {
          filters.push(filter);
          return { items: [snapshot()], nextCursor: 'c2' };
        },
      }),
    });
    const res = await app.inject({
      url: '/api/v1/calls?status=ended,failed&number=%2B15551230002&since=2026-01-01T00:00:00Z&cursor=c1',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, data: { items: [snapshot()], nextCursor: 'c2' } });
    expect(filters).toEqual([
      {
        status: ['ended', 'failed'],
        number: '+15551230002',
        since: '2026-01-01T00:00:00Z',
        cursor: 'c1',
        limit: 50,
      },
    ]);
  });

  it('routes each command to its engine method', async () => {
    const seen: string[] = [];
    const record =
      (name: string) =>
      async (id: string, arg?: string, options?: { mode?: string }): Promise<CallSnapshot> => {
        seen.push([name, id, arg, options?.mode].filter(Boolean).join(' '));
        return snapshot({ id });
      };
    const app = await build({
      calls: fakeCalls({
        hangup: record('hangup'),
        answer: record('answer'),
        hold: record('hold'),
        unhold: record('unhold'),
        transfer: record('transfer'),
        completeTransfer: record('complete'),
        cancelTransfer: record('cancel'),
        sendDtmf: record('dtmf'),
      }),
    });
    for (const verb of ['hangup', 'answer', 'hold', 'unhold', 'transfer/complete', 'transfer/cancel']) {
      const res = await app.inject({ method: 'POST', url: `/api/v1/calls/c9/${verb}` });
      expect(res.statusCode).toBe(200);
    }
    await app.inject({ method: 'POST', url: '/api/v1/calls/c9/transfer', payload: { to: '+15551230003' } });
    const attended = { to: 'dispatcher-002', mode: 'attended' };
    await app.inject({ method: 'POST', url: '/api/v1/calls/c9/transfer', payload: attended });
    const bad = { to: 'dispatcher-002', mode: 'warm' };
    const refused = await app.inject({ method: 'POST', url: '/api/v1/calls/c9/transfer', payload: bad });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({ code: 'VALIDATION_ERROR' });
    await app.inject({ method: 'POST', url: '/api/v1/calls/c9/dtmf', payload: { digits: '12*#AD' } });
    expect(seen).toEqual([
      'hangup c9',
      'answer c9',
      'hold c9',
      'unhold c9',
      'complete c9',
      'cancel c9',
      'transfer c9 +15551230003 blind',
      'transfer c9 dispatcher-002 attended',
      'dtmf c9 12*#AD',
    ]);
  });

  it('pages through the event log', async () => {
    const feed = new FakeFeed();
    for (let i = 0; i < 5; i++) feed.publish();
    const app = await build({ events: feed });
    const page = (await app.inject({ url: '/api/v1/events?after=1&limit=3' })).json();
    expect(page).toEqual({ success: true, data: feed.log.slice(1, 4) });
    const rest = (await app.inject({ url: '/api/v1/events?after=4' })).json();
    expect(rest.data.map((e: DomainEvent) => e.seq)).toEqual([5]);
    const none = (await app.inject({ url: '/api/v1/events?after=5' })).json();
    expect(none).toEqual({ success: true, data: [] });
  });

  it('answers GET /health with status ok and the health summary', async () => {
    const app = await build();
    const res = await app.inject({ url: '/health' });
    expect(res.json()).toEqual({ status: 'ok', driver: 'fake' });
  });
});

describe('mock-CTI contract on /api/cti', () => {
  const answered = snapshot({
    status: 'answered',
    answeredAt: '2026-01-05T09:00:05.000Z',
    duration: 12,
  });

  it('POST /call answers the bare contract shape, keys in contract order', async () => {
    const seen: OriginateCommand[] = [];
    const app = await build({
      calls: fakeCalls({
        originate: async (command) => {
          seen.push(command);
          return snapshot();
        },
      }),
    });
    const res = await app.inject({
      method: 'POST',
      url: '/api/cti/call',
      payload: { from: 'PJSIP/1001', to: '+15551230002', context: { ticket: 'T-7' } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(
      JSON.stringify({
        callId: 'call-1',
        status: 'ringing',
        from: 'PJSIP/1001',
        to: '+15551230002',
        startedAt: STARTED,
        context: { ticket: 'T-7' },
      }),
    );
    expect(seen).toEqual([{ from: 'PJSIP/1001', to: '+15551230002', context: { ticket: 'T-7' } }]);
  });

  it('POST /hangup answers { callId, status, duration, endedAt, endReason }', async () => {
    const ended = snapshot({ status: 'ended', endedAt: '2026-01-05T09:00:09.000Z', endReason: 'canceled' });
    const app = await build({ calls: fakeCalls({ hangup: async () => ended }) });
    const res = await app.inject({ method: 'POST', url: '/api/cti/hangup', payload: { callId: 'call-1' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(
      JSON.stringify({
        callId: 'call-1',
        status: 'ended',
        duration: 0,
        endedAt: '2026-01-05T09:00:09.000Z',
        endReason: 'canceled',
      }),
    );
  });

  it('POST /transfer answers { callId, status, transferTo, transferInitiatedAt }', async () => {
    const transferring = snapshot({
      status: 'transferring',
      transferTo: '+15551230003',
      transferInitiatedAt: '2026-01-05T09:00:20.000Z',
    });
    const app = await build({ calls: fakeCalls({ transfer: async () => transferring }) });
    const res = await app.inject({
      method: 'POST',
      url: '/api/cti/transfer',
      payload: { callId: 'call-1', to: '+15551230003' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(
      JSON.stringify({
        callId: 'call-1',
        status: 'transferring',
        transferTo: '+15551230003',
        transferInitiatedAt: '2026-01-05T09:00:20.000Z',
      }),
    );
  });

  it('GET /status adds answeredAt and duration once answered', async () => {
    const app = await build({
      calls: fakeCalls({ get: async (id) => (id === 'call-1' ? snapshot() : answered) }),
    });
    const ringing = await app.inject({ url: '/api/cti/status?callId=call-1' });
    expect(ringing.json()).toEqual({
      callId: 'call-1',
      status: 'ringing',
      from: 'PJSIP/1001',
      to: '+15551230002',
      startedAt: STARTED,
      context: { ticket: 'T-7' },
    });
    const talking = await app.inject({ url: '/api/cti/status?callId=call-2' });
    expect(talking.json()).toEqual({
      ...ringing.json(),
      status: 'answered',
      answeredAt: '2026-01-05T09:00:05.000Z',
      duration: 12,
    });
  });

  it('answers an unknown call 404 { error } and nothing else', async () => {
    const app = await build();
    const res = await app.inject({ url: '/api/cti/status?callId=nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'No call has the id nope.' });
  });

  it('answers other errors bare { error, code }', async () => {
    const app = await build();
    const missing = await app.inject({
      method: 'POST',
      url: '/api/cti/call',
      payload: { to: '+15551230002' },
    });
    expect(missing.statusCode).toBe(400);
    expect(Object.keys(missing.json())).toEqual(['error', 'code']);
    expect(missing.json()).toMatchObject({
      code: 'VALIDATION_ERROR',
      error: expect.stringContaining('from'),
    });
    const bad = await app.inject({ method: 'POST', url: '/api/cti/hangup', headers: json, payload: '{' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_ERROR' });
    const route = await app.inject({ url: '/api/cti/nope' });
    expect(route.statusCode).toBe(404);
    expect(route.json()).toEqual({ error: expect.any(String), code: 'NOT_FOUND' });
  });
});

describe('mock-CTI request bodies as integrations send them', () => {
  const ended = snapshot({ status: 'ended', endedAt: '2026-01-05T09:00:09.000Z', endReason: 'normal' });
  const ctiCalls = () =>
    fakeCalls({
      originate: async () => snapshot(),
      hangup: async () => ended,
      transfer: async () =>
        snapshot({
          status: 'transferring',
          transferTo: '+15551230003',
          transferInitiatedAt: '2026-01-05T09:00:20.000Z',
        }),
    });
  const bodies = [
    { url: '/api/cti/call', body: { from: 'PJSIP/1001', to: '+15551230002' } },
    { url: '/api/cti/hangup', body: { callId: 'call-1' } },
    { url: '/api/cti/transfer', body: { callId: 'call-1', to: '+15551230003' } },
  ];

  it('reads a JSON body sent without a Content-Type header on every /api/cti route', async () => {
    const app = await build({ calls: ctiCalls() });
    const base = await listen(app);
    for (const { url, body } of bodies) {
      const res = await rawPost(base + url, JSON.stringify(body));
      expect(res.status, url).toBe(200);
      // inject sends a string payload without a Content-Type, as the raw request above does.
      const injected = await app.inject({ method: 'POST', url, payload: JSON.stringify(body) });
      expect(injected.statusCode, url).toBe(200);
      expect(injected.json(), url).toMatchObject({ callId: 'call-1' });
    }
    const call = await rawPost(`${base}/api/cti/call`, JSON.stringify(bodies[0]?.body));
    expect(call.body).toMatchObject({ callId: 'call-1', status: 'ringing', from: 'PJSIP/1001' });
  });

  it('reads a JSON body sent as text/plain (what fetch sends for a string) or form-encoded (curl -d)', async () => {
    const app = await build({ calls: ctiCalls() });
    const base = await listen(app);
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded']) {
      for (const { url, body } of bodies) {
        const res = await fetch(base + url, {
          method: 'POST',
          headers: { 'content-type': type },
          body: JSON.stringify(body),
        });
        expect(res.status, `${type} ${url}`).toBe(200);
      }
    }
    const plain = await fetch(`${base}/api/cti/hangup`, { method: 'POST', body: '{"callId":"call-1"}' });
    expect(await plain.json()).toMatchObject({ callId: 'call-1', status: 'ended', endReason: 'normal' });
  });

  it('answers a body that is not JSON 400 VALIDATION_ERROR in the mock-CTI shape, saying so', async () => {
    const app = await build({ calls: ctiCalls() });
    const base = await listen(app);
    const raw = await rawPost(`${base}/api/cti/call`, 'not json');
    const injected = await app.inject({
      method: 'POST',
      url: '/api/cti/hangup',
      headers: { 'content-type': 'text/plain' },
      payload: 'callId=call-1',
    });
    for (const res of [raw, { status: injected.statusCode, body: injected.json() }]) {
      expect(res.status).toBe(400);
      expect(Object.keys(res.body)).toEqual(['error', 'code']);
      expect(res.body.code).toBe('VALIDATION_ERROR');
      expect(res.body.error).toMatch(/not valid JSON.*send a JSON object/);
    }
    const empty = await rawPost(`${base}/api/cti/hangup`, ' ', { 'content-type': 'text/plain' });
    expect(empty).toMatchObject({ status: 400, body: { code: 'VALIDATION_ERROR' } });
  });

  it('leaves /api/v1 insisting on application/json', async () => {
    const app = await build({ calls: ctiCalls() });
    const base = await listen(app);
    const plain = await app.inject({
      method: 'POST',
      url: '/api/v1/calls',
      headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify({ to: '+15551230002' }),
    });
    expect(plain.statusCode).toBe(415);
    const none = await rawPost(`${base}/api/v1/calls`, JSON.stringify({ to: '+15551230002' }));
    expect(none.status).toBe(415);
    expect(none.body).toMatchObject({ success: false, error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
  });
});

describe('authentication', () => {
  it('requires a key on /api/* and accepts Bearer or X-API-Key', async () => {
    const app = await build({
      auth: { apiKeys: ['other-key', KEY] },
      calls: fakeCalls({ get: async () => snapshot() }),
    });
    const none = await app.inject({ url: '/api/v1/calls/call-1' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.json()).toMatchObject({ success: false, error: { code: 'UNAUTHORIZED' } });
    const wrong = await app.inject({
      url: '/api/v1/calls/call-1',
      headers: { authorization: `Bearer ${KEY}x` },
    });
    expect(wrong.statusCode).toBe(401);
    const bearer = await app.inject({
      url: '/api/v1/calls/call-1',
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(bearer.statusCode).toBe(200);
    const header = await app.inject({ url: '/api/v1/calls/call-1', headers: { 'x-api-key': KEY } });
    expect(header.statusCode).toBe(200);
    const cti = await app.inject({ url: '/api/cti/status?callId=call-1' });
    expect(cti.statusCode).toBe(401);
    expect(cti.json()).toEqual({ error: expect.any(String), code: 'UNAUTHORIZED' });
  });

  it('refuses before revealing routes, and percent-encoding does not dodge the check', async () => {
    const app = await build({ auth: { apiKeys: [KEY] }, calls: fakeCalls({ get: async () => snapshot() }) });
    expect((await app.inject({ url: '/api/v1/no-such-thing' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/%61pi/v1/calls/call-1' })).statusCode).toBe(401);
  });

  it('leaves /health, /openapi.json and /docs open', async () => {
    const app = await build({ auth: { apiKeys: [KEY] } });
    for (const url of ['/health', '/openapi.json', '/docs']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBeLessThan(400);
    }
  });

  it('answers a CORS preflight without a key, for configured origins only', async () => {
    const app = await build({ auth: { apiKeys: [KEY] }, cors: { origins: ['https://crm.example'] } });
    const preflight = (origin: string) =>
      app.inject({
        method: 'OPTIONS',
        url: '/api/v1/calls',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization',
        },
      });
    const allowed = await preflight('https://crm.example');
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://crm.example');
    const other = await preflight('https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('never logs a key', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (line: string) => lines.push(line) });
    const app = await build({
      logger,
      auth: { apiKeys: [KEY] },
      calls: fakeCalls({ get: async () => snapshot() }),
    });
    await app.inject({ url: '/api/v1/calls/call-1', headers: { authorization: `Bearer ${KEY}` } });
    await app.inject({ url: '/api/v1/calls/call-1', headers: { 'x-api-key': KEY } });
    app.log.info({ req: { headers: { authorization: `Bearer ${KEY}`, 'x-api-key': KEY } } }, 'headers');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(KEY);
  });
});

describe('simulator controls on /api/v1/sim', () => {
  it('answers 409 SIMULATOR_ONLY on every path without the simulator', async () => {
    const app = await build();
    for (const [method, url] of [
      ['GET', '/api/v1/sim/profiles'],
      ['POST', '/api/v1/sim/clock/advance'],
      ['POST', '/api/v1/sim/channels/x/answer'],
    ] as const) {
      const res = await app.inject({ method, url });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ success: false, error: { code: 'SIMULATOR_ONLY' } });
    }
  });

  it('upserts, lists and removes profiles; rejects unknown profile fields', async () => {
    const app = await build({ sim: fakeSim() });
    const rule = {
      match: '+15551230002',
      profile: { answerAfterMs: null, outcome: 'busy', failAfterMs: 2000 },
    };
    expect((await app.inject({ method: 'PUT', url: '/api/v1/sim/profiles', payload: rule })).json()).toEqual({
      success: true,
      data: rule,
    });
    const replaced = { match: '+15551230002', profile: { answerAfterMs: 3000, dtmf: { digits: '1#' } } };
    await app.inject({ method: 'PUT', url: '/api/v1/sim/profiles', payload: replaced });
    expect((await app.inject({ url: '/api/v1/sim/profiles' })).json().data).toEqual([replaced]);
    const typo = await app.inject({
      method: 'PUT',
      url: '/api/v1/sim/profiles',
      payload: { match: 'x', profile: { answerAfter: 3 } },
    });
    expect(typo.statusCode).toBe(400);
    expect(typo.json().error.details).toEqual([
      { in: 'body', path: 'profile.answerAfter', problem: 'unknown field' },
    ]);
    const removed = await app.inject({ method: 'DELETE', url: '/api/v1/sim/profiles?match=%2B15551230002' });
    expect(removed.json().data).toEqual({ removed: true });
    expect((await app.inject({ url: '/api/v1/sim/profiles' })).json().data).toEqual([]);
  });

  it('places inbound calls and acts as the remote party', async () => {
    const sim = fakeSim();
    const app = await build({ sim });
    const inbound = await app.inject({
      method: 'POST',
      url: '/api/v1/sim/inbound',
      payload: { from: '+15551230009', to: '1001', abandonAfterMs: 5000 },
    });
    expect(inbound.statusCode).toBe(200);
    expect(inbound.json()).toEqual({ success: true, data: { channelId: 'sim-in-1' } });
    const base = '/api/v1/sim/channels/sim-in-1';
    await app.inject({ method: 'POST', url: `${base}/answer` });
    await app.inject({ method: 'POST', url: `${base}/hold` });
    await app.inject({ method: 'POST', url: `${base}/unhold` });
    await app.inject({ method: 'POST', url: `${base}/dtmf`, payload: { digits: '42', interDigitMs: 100 } });
    await app.inject({ method: 'POST', url: `${base}/reject`, payload: { cause: 'busy' } });
    const hangup = await app.inject({ method: 'POST', url: `${base}/hangup` });
    expect(hangup.json()).toEqual({ success: true, data: { channelId: 'sim-in-1' } });
    await app.inject({ method: 'POST', url: '/api/v1/sim/reset' });
    expect(sim.calls).toEqual([
      'inbound +15551230009 1001 5000',
      'answer sim-in-1',
      'hold sim-in-1',
      'unhold sim-in-1',
      'dtmf sim-in-1 42 100',
      'reject sim-in-1 busy',
      'hangup sim-in-1 undefined',
      'reset',
    ]);
    expect((await app.inject({ url: '/api/v1/sim/channels' })).json().data).toEqual([
      { id: 'sim-in-1', direction: 'inbound', address: '+15551230009', state: 'ringing', held: false },
    ]);
    for (const [action, cause] of [
      ['hangup', 'angry'],
      ['reject', 'normal'],
    ]) {
      const badCause = await app.inject({ method: 'POST', url: `${base}/${action}`, payload: { cause } });
      expect(badCause.statusCode).toBe(400);
    }
  });

  it('driver errors reach HTTP as engine errors: not_found → 404 CHANNEL_NOT_FOUND, invalid → 409 INVALID_STATE', async () => {
    const app = await build({
      sim: withEngineErrorsOn(
        fakeSim({
          partyAnswer: () => {
            throw new DriverError('not_found', 'no channel sim-9');
          },
          partyHold: () => {
            throw new DriverError('invalid', 'channel sim-1 is not answered');
          },
        }),
      ),
    });
    const missing = await app.inject({ method: 'POST', url: '/api/v1/sim/channels/sim-9/answer' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({
      success: false,
      error: { code: 'CHANNEL_NOT_FOUND', message: 'no channel sim-9' },
    });
    const invalid = await app.inject({ method: 'POST', url: '/api/v1/sim/channels/sim-1/hold' });
    expect(invalid.statusCode).toBe(409);
    expect(invalid.json().error.code).toBe('INVALID_STATE');
  });

  it('reads and advances the virtual clock; refuses to advance a real one', async () => {
    const app = await build({ sim: fakeSim() });
    expect((await app.inject({ url: '/api/v1/sim/clock' })).json().data).toEqual({
      now: STARTED,
      virtual: true,
    });
    const advanced = await app.inject({
      method: 'POST',
      url: '/api/v1/sim/clock/advance',
      payload: { ms: 30_000 },
    });
    expect(advanced.json().data).toEqual({ now: '2026-01-05T09:00:30.000Z' });
    const tooFar = await app.inject({
      method: 'POST',
      url: '/api/v1/sim/clock/advance',
      payload: { ms: 8 * 24 * 3600 * 1000 },
    });
    expect(tooFar.statusCode).toBe(400);

    const real = await build({ sim: { ...fakeSim(), clock: undefined } });
    expect((await real.inject({ url: '/api/v1/sim/clock' })).json().data.virtual).toBe(false);
    const refused = await real.inject({
      method: 'POST',
      url: '/api/v1/sim/clock/advance',
      payload: { ms: 1 },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('SIMULATOR_ONLY');
  });
});

describe('OpenAPI document', () => {
  it('documents every route with a summary', async () => {
    const app = await build({ sim: fakeSim() });
    const doc = (await app.inject({ url: '/openapi.json' })).json();
    const operations = Object.entries(
      doc.paths as Record<string, Record<string, { summary?: string }>>,
    ).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
    );
    const call = (verb: string) => `POST /api/v1/calls/{callId}/${verb}`;
    const party = (verb: string) => `POST /api/v1/sim/channels/{channelId}/${verb}`;
    expect(operations.map((o) => o.route).sort()).toEqual(
      [
        'GET /health',
        'POST /api/cti/call',
        'POST /api/cti/hangup',
        'POST /api/cti/transfer',
        'GET /api/cti/status',
        'POST /api/v1/calls',
        'GET /api/v1/calls',
        'GET /api/v1/calls/export',
        'GET /api/v1/calls/{callId}',
        'GET /api/v1/calls/{callId}/events',
        ...['hangup', 'answer', 'hold', 'unhold', 'transfer', 'dtmf'].map(call),
        ...['transfer/complete', 'transfer/cancel'].map(call),
        'GET /api/v1/events',
        'GET /api/v1/sim/profiles',
        'PUT /api/v1/sim/profiles',
        'DELETE /api/v1/sim/profiles',
        'POST /api/v1/sim/inbound',
        'GET /api/v1/sim/channels',
        ...['answer', 'hangup', 'reject', 'dtmf', 'hold', 'unhold'].map(party),
        'POST /api/v1/sim/endpoints/{endpoint}/register',
        'POST /api/v1/sim/endpoints/{endpoint}/unregister',
        'GET /api/v1/sim/clock',
        'POST /api/v1/sim/clock/advance',
        'POST /api/v1/sim/reset',
      ].sort(),
    );
    for (const { route, op } of operations) expect(op.summary, route).toMatch(/\S/);
  });

  it('lists every code of the error catalogue in the documented error schema', async () => {
    const app = await build();
    const doc = (await app.inject({ url: '/openapi.json' })).json();
    const envelope = doc.components.schemas.ErrorEnvelope;
    expect(envelope.properties.error.properties.code).toEqual({ $ref: '#/components/schemas/ErrorCode' });
    const documented: string[] = doc.components.schemas.ErrorCode.enum;
    expect([...documented].sort()).toEqual(Object.keys(ERROR_CATALOGUE).sort());
    const responses = doc.paths['/api/v1/calls'].post.responses;
    expect(responses['4XX'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ErrorEnvelope',
    });
  });
});

describe('Socket.io gateway', () => {
  it('emits every published event under its type name with the full event and the mock-CTI flat fields', async () => {
    const feed = new FakeFeed();
    const app = await build({ events: feed });
    const socket = client(await listen(app), {});
    await once(socket, 'connect');
    const ringing = once<DomainEvent>(socket, 'call.ringing');
    const published = feed.publish();
    expect(await ringing).toEqual({
      ...published,
      callId: 'call-1',
      status: 'ringing',
      from: 'PJSIP/1001',
      to: '+15551230002',
    });
  });

  it.each([
    ['a microtask', false],
    ['a macrotask', true],
  ])(
    'resumes from lastSeq without gap or duplicate while events are published (live delivery after %s)',
    async (_, deliverLater) => {
      const feed = new FakeFeed(deliverLater);
      for (let i = 0; i < 1_234; i++) feed.publish();
      // During each replay read, publish one event before the page is taken and one after it.
      feed.onRead = () => {
        if (feed.reads <= 4) feed.publish();
      };
      const app = await build({ events: feed, auth: { apiKeys: [KEY] } });
      const socket = client(await listen(app), { lastSeq: 100 }, KEY);
      const received = collect(socket);
      const resumed = await once<{ lastSeq: number; replayed: number }>(socket, 'resumed');
      feed.onRead = undefined;
      for (let i = 0; i < 5; i++) feed.publish();
      await received.until(feed.lastSeq);
      expect(feed.reads).toBeGreaterThanOrEqual(3);
      expect(resumed.replayed).toBe(resumed.lastSeq - 100);
      expect(received.seqs).toEqual(range(101, feed.lastSeq));
    },
  );

  it('resumes when a connected client emits resume', async () => {
    const feed = new FakeFeed();
    for (let i = 0; i < 7; i++) feed.publish();
    const app = await build({ events: feed });
    const socket = client(await listen(app), {});
    await once(socket, 'connect');
    const received = collect(socket);
    socket.emit('resume', { lastSeq: 3 });
    expect(await once(socket, 'resumed')).toEqual({ lastSeq: 7, replayed: 4 });
    feed.publish();
    await received.until(8);
    expect(received.seqs).toEqual([4, 5, 6, 7, 8]);
  });

  it('refuses a handshake without a valid key before engine.io opens a session, and a bad lastSeq', async () => {
    const app = await build({ auth: { apiKeys: [KEY] } });
    const url = await listen(app);
    const handshake = (query: string, headers: Record<string, string> = {}) =>
      fetch(`${url}/socket.io/?EIO=4&transport=polling${query}`, { headers }).then(async (res) => ({
        status: res.status,
        text: await res.text(),
      }));
    for (const refused of [
      await handshake(''),
      await handshake('', { authorization: 'Bearer wrong' }),
      await handshake('&token=wrong'),
    ]) {
      expect(refused.status).toBe(403);
      expect(refused.text).not.toContain('sid');
      expect(JSON.parse(refused.text).message).toBe('UNAUTHORIZED');
    }
    for (const allowed of [
      await handshake('', { authorization: `Bearer ${KEY}` }),
      await handshake('', { 'x-api-key': KEY }),
      await handshake(`&token=${KEY}`),
    ]) {
      expect(allowed.status).toBe(200);
      expect(allowed.text).toContain('"sid"');
    }
    // auth.token travels after the handshake: too late to be the key.
    await once(client(url, { token: KEY }), 'connect_error');
    const badSeq = await once<Error & { data?: { code: string } }>(
      client(url, { lastSeq: -1 }, KEY),
      'connect_error',
    );
    expect(badSeq.data?.code).toBe('VALIDATION_ERROR');
    await once(client(url, {}, KEY), 'connect');
  });

  it('disconnects clients when the server closes', async () => {
    const app = await build();
    const socket = client(await listen(app), {});
    await once(socket, 'connect');
    const gone = once(socket, 'disconnect');
    await app.close();
    expect(await gone).toBe('io server disconnect');
  });
});
