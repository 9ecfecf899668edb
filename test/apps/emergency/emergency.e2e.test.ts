import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/core/events.ts';
import {
  connectEvents,
  type EventClient,
  rawPost,
  startServer,
  type TestServer,
} from '../../support/server.ts';

let server: TestServer;
let client: EventClient;

beforeEach(async () => {
  server = await startServer();
  client = await connectEvents(server.url);
});
afterEach(async () => {
  client.close();
  await server.close({ removeData: true });
});

async function ok(method: string, path: string, body?: unknown) {
  const res = await server.request(method, path, body);
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
}

/** Alice and Bob dispatch; Carol supervises. Alice is already talking to a caller from the general line. */
async function dispatchCentre() {
  await ok('POST', '/api/v1/agents', {
    id: 'alice',
    name: 'Alice',
    endpoint: 'sim/alice',
    roles: ['dispatcher'],
  });
  await ok('POST', '/api/v1/agents', { id: 'bob', name: 'Bob', endpoint: 'sim/bob', roles: ['dispatcher'] });
  await ok('POST', '/api/v1/agents', {
    id: 'carol',
    name: 'Carol',
    endpoint: 'sim/carol',
    roles: ['supervisor'],
  });
  await ok('POST', '/api/v1/queues', {
    id: 'general',
    name: 'General',
    strategy: 'longest_idle',
    members: ['alice'],
  });
  await ok('POST', '/api/v1/routes', {
    dialled: '+13125550100',
    destination: { kind: 'queue', queueId: 'general' },
  });
  await ok('PUT', '/api/v1/sim/profiles', { match: '+1415*', profile: { hangupAfterMs: null } });
  for (const id of ['alice', 'bob', 'carol']) await ok('POST', `/api/v1/agents/${id}/login`);
  await ok('POST', '/api/v1/sim/inbound', { from: '+14155550123', to: '+13125550100' });
  await server.advance(0);
  const alice = await ok('GET', '/api/v1/agents/alice');
  expect(alice.data.status.state).toBe('on_call');
}

const PANIC = {
  driverId: 'D-17',
  driverPhone: '+12125550177',
  driverName: 'Dana Driver',
  location: { lat: 41.8781, lng: -87.6298 },
  vehiclePlate: 'KX-123',
  timestamp: '2026-01-05T08:59:58Z',
};

describe('panic button', () => {
  it('offers the emergency to the free dispatcher with the alert context, tells the supervisor, flags recording', async () => {
    await dispatchCentre();
    // Bob's phone rings until he picks up, so the offer can be seen ringing.
    await ok('PUT', '/api/v1/sim/profiles', { match: 'sim/bob', profile: { answerAfterMs: 2_000 } });

    const raised = await server.request('POST', '/api/cti/emergency', PANIC);
    expect(raised.status).toBe(200);
    expect(raised.body).toMatchObject({ status: 'raised', driverId: 'D-17', callId: expect.any(String) });
    const { callId, emergencyId } = raised.body;

    const offered = await client.waitFor((e) => e.type === 'call.offered' && e.callId === callId);
    expect(offered.agentId).toBe('bob');
    const call = (offered.data as { call: { context: any; flags: unknown } }).call;
    expect(call.flags).toEqual({ emergency: true, recording: true });
    expect(call.context.emergency).toMatchObject({
      driverId: 'D-17',
      driverName: 'Dana Driver',
      vehiclePlate: 'KX-123',
      location: { lat: 41.8781, lng: -87.6298 },
      reportedAt: '2026-01-05T08:59:58Z',
    });
    expect(client.events.some((e) => e.type === 'emergency.raised' && e.callId === callId)).toBe(true);
    expect(
      client.events.some((e) => e.type === 'call.offered' && e.callId === callId && e.agentId === 'alice'),
    ).toBe(false);

    const messages = (await ok('GET', '/api/v1/notifications?to=carol')).data;
    expect(messages).toHaveLength(1);
    expect(messages[0].body).toContain('D-17');
    expect(messages[0].body).toContain('KX-123');
    expect(messages[0].topic).toBe(`emergency:${emergencyId}`);

    // Bob answers; then the driver's phone is dialled and answers after 3 s.
    await server.advance(2_000);
    await server.advance(3_000);
    const answered = await client.waitFor((e) => e.type === 'call.answered' && e.callId === callId);
    expect(answered.agentId).toBe('bob');
    const detail = (await ok('GET', `/api/v1/emergencies/${emergencyId}`)).data;
    expect(detail.emergency).toMatchObject({ status: 'answered', dispatcherId: 'bob' });
    expect(detail.audit.map((a: { action: string }) => a.action)).toEqual(
      expect.arrayContaining(['raised', 'supervisor_notified', 'offered', 'answered', 'driver_connected']),
    );
  });

  it('takes the panic button as mobile apps send it: a numeric driverId, no Content-Type header', async () => {
    await dispatchCentre();
    const sent = {
      driverId: 42,
      driverPhone: '+12125550177',
      location: { lat: 41.8781, lng: -87.6298 },
      vehiclePlate: 'KX-123',
      timestamp: '2026-01-05T08:59:58Z',
    };
    const raised = await rawPost(`${server.url}/api/cti/emergency`, JSON.stringify(sent));
    expect(raised.status, JSON.stringify(raised.body)).toBe(200);
    expect(raised.body).toMatchObject({ status: 'raised', driverId: 42, callId: expect.any(String) });
    const { callId, emergencyId } = raised.body;

    const offered = await client.waitFor((e) => e.type === 'call.offered' && e.callId === callId);
    expect(offered.agentId).toBe('bob');
    const call = (offered.data as { call: { context: any } }).call;
    expect(call.context.emergency).toMatchObject({ driverId: 42, vehiclePlate: 'KX-123' });

    const detail = (await ok('GET', `/api/v1/emergencies/${emergencyId}`)).data;
    expect(detail.emergency).toMatchObject({ id: emergencyId, driverId: 42 });
    const first = detail.audit.find((a: { action: string }) => a.action === 'raised');
    expect(first.detail.report).toEqual(sent);
    expect((await ok('GET', '/api/v1/emergencies')).data[0].driverId).toBe(42);
  });

  it('goes before callers already waiting', async () => {
    await dispatchCentre();
    // Bob also takes the general line, but is away while a normal caller starts waiting.
    await ok('PATCH', '/api/v1/queues/general', { members: ['alice', 'bob'] });
    await ok('POST', '/api/v1/agents/bob/pause', { reason: 'break' });
    await ok('POST', '/api/v1/sim/inbound', { from: '+14155550124', to: '+13125550100' });
    await server.advance(1_000);
    const raised = (await ok('POST', '/api/v1/emergencies', PANIC)).data;
    await ok('POST', '/api/v1/agents/bob/unpause');
    const first = await client.waitFor((e) => e.type === 'call.offered' && e.agentId === 'bob');
    expect(first.callId).toBe(raised.callId);
  });

  it('rings everyone on duty and tells the supervisor again when nobody answers in time', async () => {
    await dispatchCentre();
    await ok('PUT', '/api/v1/sim/profiles', { match: 'sim/bob', profile: { answerAfterMs: null } });
    await ok('PUT', '/api/v1/sim/profiles', { match: 'sim/carol', profile: { answerAfterMs: null } });
    const { callId, emergencyId } = (await server.request('POST', '/api/cti/emergency', PANIC)).body;
    await client.waitFor((e) => e.type === 'call.offered' && e.callId === callId && e.agentId === 'bob');
    await server.advance(15_000);
    const escalated = await client.waitFor(
      (e: DomainEvent) => e.type === 'emergency.escalated' && e.callId === callId,
    );
    expect(escalated.type === 'emergency.escalated' && escalated.data.emergency.status).toBe('escalated');
    const ringing = await client.waitForCount(
      (e) =>
        e.type === 'call.offered' && e.callId === callId && (e.agentId === 'bob' || e.agentId === 'carol'),
      3,
    );
    expect(new Set(ringing.slice(1).map((e) => e.agentId))).toEqual(new Set(['bob', 'carol']));
    const messages = (await ok('GET', `/api/v1/notifications?topic=emergency:${emergencyId}`)).data;
    expect(messages.map((m: { subject: string }) => m.subject)).toEqual([
      expect.stringContaining('pressed the panic button'),
      expect.stringContaining('UNANSWERED'),
    ]);
    const audit = (await ok('GET', `/api/v1/emergencies/${emergencyId}`)).data.audit.map(
      (a: { action: string }) => a.action,
    );
    expect(audit).toContain('escalated');
    expect(audit).toContain('offer_missed');
  });

  it('refuses a malformed report with 400 and the error shape', async () => {
    const res = await server.request('POST', '/api/cti/emergency', {
      driverId: 'D-1',
      location: { lat: 200, lng: 0 },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual(expect.any(String));
    const v1 = await server.request('POST', '/api/v1/emergencies', {
      driverId: 'D-1',
      driverPhone: 'call me',
    });
    expect(v1.status).toBe(400);
    expect(v1.body.error.code).toBe('INVALID_PHONE_NUMBER');
  });
});

describe('panic button at the live-call limit', () => {
  it('raises and offers an emergency when MAX_LIVE_CALLS is reached; a normal call is still refused', async () => {
    const full = await startServer({ env: { MAX_LIVE_CALLS: '2' } });
    const events = await connectEvents(full.url);
    try {
      const post = (path: string, body?: unknown) => full.request('POST', path, body);
      expect(
        (await post('/api/v1/agents', { id: 'bob', name: 'Bob', endpoint: 'sim/bob', roles: ['dispatcher'] }))
          .status,
      ).toBe(201);
      expect((await post('/api/v1/agents/bob/login')).status).toBe(200);
      for (const to of ['+12125550101', '+12125550102'])
        expect((await post('/api/v1/calls', { to })).status).toBe(201);
      expect((await post('/api/v1/calls', { to: '+12125550103' })).body.error.code).toBe(
        'CONCURRENT_LIMIT_REACHED',
      );

      const raised = await post('/api/cti/emergency', PANIC);
      expect(raised.status).toBe(200);
      const offered = await events.waitFor(
        (e) => e.type === 'call.offered' && e.callId === raised.body.callId,
      );
      expect(offered.agentId).toBe('bob');

      const refused = await post('/api/v1/calls', { to: '+12125550103' });
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('CONCURRENT_LIMIT_REACHED');
    } finally {
      events.close();
      await full.close({ removeData: true });
    }
  });
});

describe('an emergency transferred attended', () => {
  it('the target answering the consultation is noted; the dispatcher who answered keeps the emergency', async () => {
    await dispatchCentre();
    const { callId, emergencyId } = (await server.request('POST', '/api/cti/emergency', PANIC)).body;
    await server.advance(0); // Bob answers
    await server.advance(3_000); // the driver answers
    const res = await server.request('POST', `/api/v1/calls/${callId}/transfer`, {
      to: 'carol',
      mode: 'attended',
    });
    expect(res.status).toBe(200);
    await server.advance(0); // Carol answers the consultation
    await client.waitFor((e) => e.type === 'call.transfer.answered' && e.callId === callId);
    const detail = (await ok('GET', `/api/v1/emergencies/${emergencyId}`)).data;
    expect(detail.emergency).toMatchObject({ status: 'answered', dispatcherId: 'bob' });
    expect(detail.audit.map((a: { action: string }) => a.action)).toContain('transfer_answered');
  });
});
