import { io, type Socket } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClientToServerEvents, ServerToClientEvents } from '../src/api/socket-gateway.ts';
import { startServer, type TestServer } from './support/server.ts';

/**
 * An Odoo-style dispatch integration written against the mock-CTI contract, run unchanged against
 * Switchboard: it places calls with POST /api/cti/call and reads the flat fields of call events
 * (`socket.on('call.ringing', d => d.callId ...)`), never the envelope.
 */

const DISPATCHER = 'dispatcher-001';
const DRIVER = '+12125550101';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

type CtiSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What the integration's handlers read, per event name, in arrival order. */
type Seen = Record<'ringing' | 'answered' | 'ended' | 'failed', Record<string, unknown>[]>;

/** The integration's event handlers, as its dispatch code has them. */
function dispatchHandlers(socket: CtiSocket): {
  seen: Seen;
  waitFor(kind: keyof Seen, callId: string): Promise<Record<string, unknown>>;
} {
  const seen: Seen = { ringing: [], answered: [], ended: [], failed: [] };
  const wakers = new Set<() => void>();
  const note = (kind: keyof Seen, fields: Record<string, unknown>) => {
    seen[kind].push(fields);
    for (const wake of [...wakers]) wake();
  };
  socket.on('call.ringing', (d) =>
    note('ringing', { callId: d.callId, from: d.from, to: d.to, status: d.status }),
  );
  socket.on('call.answered', (d) =>
    note('answered', {
      callId: d.callId,
      status: d.status,
      answeredAt: d.answeredAt,
      from: d.from,
      to: d.to,
    }),
  );
  socket.on('call.ended', (d) =>
    note('ended', {
      callId: d.callId,
      status: d.status,
      from: d.from,
      to: d.to,
      answeredAt: d.answeredAt,
      duration: d.duration,
      endedAt: d.endedAt,
      endReason: d.endReason,
      reason: d.reason,
    }),
  );
  socket.on('call.failed', (d) =>
    note('failed', {
      callId: d.callId,
      status: d.status,
      from: d.from,
      to: d.to,
      reason: d.reason,
      endReason: d.endReason,
      duration: d.duration,
      endedAt: d.endedAt,
    }),
  );
  const waitFor = (kind: keyof Seen, callId: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const check = () => {
        const found = seen[kind].find((d) => d.callId === callId);
        if (!found) return;
        wakers.delete(check);
        resolve(found);
      };
      wakers.add(check);
      check();
    });
  return { seen, waitFor };
}

/** Connects as the integration does: handlers go on right after `io()`, before the connection opens. */
async function connectDispatch(url: string, auth: Record<string, unknown> = {}) {
  const socket: CtiSocket = io(url, { transports: ['websocket'], auth, reconnection: false, forceNew: true });
  sockets.push(socket);
  const handlers = dispatchHandlers(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { socket, ...handlers };
}

let server: TestServer;
const sockets: CtiSocket[] = [];

beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await server.close({ removeData: true });
});

async function place(): Promise<string> {
  const res = await server.request('POST', '/api/cti/call', { from: DISPATCHER, to: DRIVER });
  expect(res.status).toBe(200);
  return res.body.callId;
}

const ctiStatus = async (callId: string) =>
  (await server.request('GET', `/api/cti/status?callId=${callId}`)).body;
const record = async (callId: string) => (await server.request('GET', `/api/v1/calls/${callId}`)).body.data;

describe('an integration written for the mock-CTI contract', () => {
  it('reads callId, status, from, to, answeredAt, duration, endedAt and reason from call events', async () => {
    const dispatch = await connectDispatch(server.url);
    const callId = await place();

    const ringing = await dispatch.waitFor('ringing', callId);
    expect(ringing).toEqual({ callId, status: 'ringing', from: DISPATCHER, to: DRIVER });
    expect(typeof ringing.callId).toBe('string');

    await server.advance(3_000); // the driver answers after 3 s
    const answered = await dispatch.waitFor('answered', callId);
    const live = await ctiStatus(callId);
    expect(answered).toEqual({
      callId,
      status: 'answered',
      answeredAt: '2026-01-05T09:00:03.000Z',
      from: DISPATCHER,
      to: DRIVER,
    });
    expect(answered.answeredAt).toBe(live.answeredAt);
    expect(answered.status).toBe(live.status);

    await server.advance(12_000);
    const hangup = await server.request('POST', '/api/cti/hangup', { callId });
    const ended = await dispatch.waitFor('ended', callId);
    expect(ended).toEqual({
      callId,
      status: 'ended',
      from: DISPATCHER,
      to: DRIVER,
      answeredAt: '2026-01-05T09:00:03.000Z',
      duration: 12,
      endedAt: '2026-01-05T09:00:15.000Z',
      endReason: 'normal',
      reason: 'normal',
    });
    expect(Number.isInteger(ended.duration)).toBe(true);
    expect(ended.endedAt).toMatch(ISO);
    // The same values as every REST answer about the call.
    expect(hangup.body).toEqual({
      callId,
      status: ended.status,
      duration: ended.duration,
      endedAt: ended.endedAt,
      endReason: ended.endReason,
    });
    expect(await ctiStatus(callId)).toMatchObject({
      callId,
      status: ended.status,
      from: ended.from,
      to: ended.to,
      answeredAt: ended.answeredAt,
      duration: ended.duration,
      endedAt: ended.endedAt,
      endReason: ended.endReason,
    });
    expect(await record(callId)).toMatchObject({
      id: callId,
      status: ended.status,
      from: ended.from,
      to: ended.to,
      answeredAt: ended.answeredAt,
      duration: ended.duration,
      endedAt: ended.endedAt,
      endReason: ended.endReason,
    });
    expect(dispatch.seen.failed).toEqual([]);
  });

  it('hears a call nobody answers as call.failed with status "failed" and reason "no_answer"', async () => {
    await server.request('PUT', '/api/v1/sim/profiles', { match: DRIVER, profile: { answerAfterMs: null } });
    const dispatch = await connectDispatch(server.url);
    const callId = await place();
    await server.advance(30_000); // the ring timeout

    const failed = await dispatch.waitFor('failed', callId);
    expect(failed).toEqual({
      callId,
      status: 'failed',
      from: DISPATCHER,
      to: DRIVER,
      reason: 'no_answer',
      endReason: 'no_answer',
      duration: 0,
      endedAt: '2026-01-05T09:00:30.000Z',
    });
    expect(await ctiStatus(callId)).toMatchObject({
      status: failed.status,
      endReason: failed.reason,
      endedAt: failed.endedAt,
    });
    expect(await record(callId)).toMatchObject({
      status: failed.status,
      endReason: failed.reason,
      endedAt: failed.endedAt,
    });
    expect(dispatch.seen.answered).toEqual([]);
    expect(dispatch.seen.ended).toEqual([]);
  });

  it('reads the same flat fields from events replayed after a reconnect with lastSeq', async () => {
    const first = await connectDispatch(server.url);
    const callId = await place();
    await server.advance(3_000);
    await server.advance(5_000);
    await server.request('POST', '/api/cti/hangup', { callId });
    await first.waitFor('ended', callId);

    const replayed = await connectDispatch(server.url, { lastSeq: 0 });
    for (const kind of ['ringing', 'answered', 'ended'] as const) {
      expect(await replayed.waitFor(kind, callId), kind).toEqual(await first.waitFor(kind, callId));
    }
    expect((await replayed.waitFor('ended', callId)).duration).toBe(5);
  });

  it('also finds the envelope it always had: id, seq, type, timestamp, data.call', async () => {
    const { socket } = await connectDispatch(server.url);
    const envelope = new Promise<Record<string, unknown>>((resolve) =>
      socket.on('call.ringing', (d) => resolve(d as unknown as Record<string, unknown>)),
    );
    const callId = await place();
    const event = await envelope;
    expect(event).toMatchObject({
      id: expect.any(String),
      seq: expect.any(Number),
      type: 'call.ringing',
      timestamp: expect.stringMatching(ISO),
      callId,
      data: { call: { id: callId, status: 'ringing' } },
    });
    // The REST event log keeps the envelope alone; the flat fields are Socket.io's.
    const logged: Record<string, unknown>[] = (await server.request('GET', '/api/v1/events?after=0')).body
      .data;
    const same = logged.find((e) => e.id === event.id);
    expect(same).toEqual(Object.fromEntries(Object.keys(same ?? {}).map((key) => [key, event[key]])));
    expect(same).not.toHaveProperty('status');
  });
});
