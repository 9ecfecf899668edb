import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../src/core/events.ts';
import { connectEvents, type EventClient, startServer, type TestServer } from './support/server.ts';

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

const DRIVER = '+13125550142';

async function ok(method: string, path: string, body?: unknown) {
  const res = await server.request(method, path, body);
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
}

async function stateOf(agentId: string): Promise<string> {
  return (await ok('GET', `/api/v1/agents/${agentId}`)).data.status.state;
}

/** Two dispatchers logged in (dispatcher-002 in a queue with a wrap-up); the driver stays on the line. */
async function dispatchers() {
  for (const id of ['dispatcher-001', 'dispatcher-002']) {
    await ok('POST', '/api/v1/agents', { id, name: id, endpoint: `sim/${id}-desk`, roles: ['dispatcher'] });
  }
  await ok('POST', '/api/v1/queues', {
    id: 'dispatch',
    name: 'Dispatch',
    strategy: 'longest_idle',
    members: ['dispatcher-002'],
    wrapUpMs: 10_000,
  });
  await ok('PUT', '/api/v1/sim/profiles', { match: DRIVER, profile: { hangupAfterMs: null } });
  for (const id of ['dispatcher-001', 'dispatcher-002']) await ok('POST', `/api/v1/agents/${id}/login`);
}

/** dispatcher-001 click-to-dials the driver, who answers after 3 s. */
async function callDriver(): Promise<string> {
  const call = await ok('POST', '/api/v1/calls', { from: 'dispatcher-001', to: DRIVER });
  await server.advance(3_000);
  expect((await ok('GET', `/api/v1/calls/${call.data.id}`)).data.status).toBe('answered');
  expect(await stateOf('dispatcher-001')).toBe('on_call');
  return call.data.id;
}

const agentStates = (agentId: string, callId?: string) =>
  client.events
    .filter(
      (e: DomainEvent) =>
        e.type === 'agent.state' && e.agentId === agentId && (callId === undefined || e.callId === callId),
    )
    .map((e) => (e.data as { agent: { status: { state: string } } }).agent.status.state);

describe('transfer to a dispatcher by agent id', () => {
  it("rings the agent's phone; the transferring agent leaves at once; the target has the call until it ends", async () => {
    await dispatchers();
    const callId = await callDriver();

    const res = await server.request('POST', `/api/v1/calls/${callId}/transfer`, { to: 'dispatcher-002' });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: 'transferring', transferTo: 'dispatcher-002' });
    // dispatcher-002's own phone rings, held for this call.
    expect(await stateOf('dispatcher-002')).toBe('reserved');
    const ringing = (await ok('GET', `/api/v1/calls/${callId}`)).data;
    expect(ringing.legs.find((l: { role: string }) => l.role === 'transfer_target')).toMatchObject({
      address: 'sim/dispatcher-002-desk',
      agentId: 'dispatcher-002',
    });
    // dispatcher-001's leg ended with the transfer: they leave the call now (no wrap-up outside a queue).
    await client.waitFor(
      (e) => e.type === 'agent.state' && e.agentId === 'dispatcher-001' && e.callId === undefined,
    );
    expect(await stateOf('dispatcher-001')).toBe('available');

    await server.advance(0); // the desk phone answers
    const transferred = await client.waitFor((e) => e.type === 'call.transferred' && e.callId === callId);
    expect(transferred.data).toMatchObject({ call: { status: 'answered', agentId: 'dispatcher-002' } });
    expect(await ok('GET', '/api/v1/agents/dispatcher-002')).toMatchObject({
      data: { status: { state: 'on_call', callId } },
    });
    expect(agentStates('dispatcher-001', callId)).toEqual(['on_call', 'wrap_up']);

    await ok('POST', `/api/v1/calls/${callId}/hangup`);
    await server.advance(0);
    // The call came through no queue: no wrap-up time, dispatcher-002 is free at once.
    expect(await stateOf('dispatcher-002')).toBe('available');
    expect(agentStates('dispatcher-002')).toEqual([
      'available',
      'reserved',
      'on_call',
      'wrap_up',
      'available',
    ]);
    const record = (await ok('GET', `/api/v1/calls/${callId}`)).data;
    expect(record).toMatchObject({
      status: 'ended',
      agentId: 'dispatcher-002',
      transferTo: 'dispatcher-002',
      transfers: [{ kind: 'blind', status: 'completed', to: 'dispatcher-002', agentId: 'dispatcher-002' }],
      bridges: [{ kind: 'main', members: [] }],
    });
  });

  it('works through the mock-CTI /api/cti/transfer too', async () => {
    await dispatchers();
    const callId = await callDriver();
    const res = await server.request('POST', '/api/cti/transfer', { callId, to: 'dispatcher-002' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ callId, status: 'transferring', transferTo: 'dispatcher-002' });
    await server.advance(0);
    expect(await stateOf('dispatcher-002')).toBe('on_call');
    expect(await stateOf('dispatcher-001')).toBe('available');
  });

  it('refuses an agent who cannot take the call with 409 AGENT_UNAVAILABLE, before anything changes', async () => {
    await dispatchers();
    const callId = await callDriver();
    await ok('POST', '/api/v1/agents/dispatcher-002/pause', { reason: 'break' });
    const before = client.events.length;
    for (const to of ['dispatcher-002', 'dispatcher-001']) {
      const res = await server.request('POST', `/api/v1/calls/${callId}/transfer`, { to });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ success: false, error: { code: 'AGENT_UNAVAILABLE' } });
    }
    const cti = await server.request('POST', '/api/cti/transfer', { callId, to: 'dispatcher-002' });
    expect(cti.status).toBe(409);
    await server.advance(0);
    expect(client.events.slice(before)).toEqual([]);
    expect((await ok('GET', `/api/v1/calls/${callId}`)).data.status).toBe('answered');
    expect(await stateOf('dispatcher-001')).toBe('on_call');
  });

  it('refuses a bare name that names no agent instead of dialling it as a device', async () => {
    await dispatchers();
    const callId = await callDriver();
    const res = await server.request('POST', `/api/v1/calls/${callId}/transfer`, { to: 'dispatcher-009' });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'AGENT_NOT_FOUND', details: { agentId: 'dispatcher-009' } });
    expect((await ok('GET', `/api/v1/calls/${callId}`)).data.status).toBe('answered');
    // A device written in full is still dialled as one.
    const device = await server.request('POST', `/api/v1/calls/${callId}/transfer`, { to: 'sim/reception' });
    expect(device.status).toBe(200);
  });

  it('frees the target again when their phone is not answered', async () => {
    await dispatchers();
    await ok('PUT', '/api/v1/sim/profiles', {
      match: 'sim/dispatcher-002-desk',
      profile: { answerAfterMs: null },
    });
    const callId = await callDriver();
    await ok('POST', `/api/v1/calls/${callId}/transfer`, { to: 'dispatcher-002' });
    await server.advance(30_000);
    expect((await ok('GET', `/api/v1/calls/${callId}`)).data).toMatchObject({
      status: 'ended',
      endReason: 'no_answer',
      transfers: [{ status: 'failed', endReason: 'no_answer', agentId: 'dispatcher-002' }],
    });
    expect(await stateOf('dispatcher-002')).toBe('available');
  });

  for (const [action, state] of [
    ['logout', 'offline'],
    ['pause', 'away'],
  ] as const) {
    it(`withdraws the transfer when the target does ${action} while it rings: failed canceled, the call ends`, async () => {
      await dispatchers();
      await ok('PUT', '/api/v1/sim/profiles', {
        match: 'sim/dispatcher-002-desk',
        profile: { answerAfterMs: null },
      });
      const callId = await callDriver();
      await ok('POST', `/api/v1/calls/${callId}/transfer`, { to: 'dispatcher-002' });
      expect(await stateOf('dispatcher-002')).toBe('reserved');

      const res = await server.request('POST', `/api/v1/agents/dispatcher-002/${action}`, {
        reason: 'break',
      });
      expect(res.status).toBe(200);
      expect(res.body.data.status.state).toBe(state);
      await server.advance(0);
      // The desk phone stopped ringing at once: nothing of the call is left on the phone system.
      const sim = await ok('GET', '/api/v1/sim/channels');
      expect(sim.data.filter((c: { address: string }) => c.address === 'sim/dispatcher-002-desk')).toEqual(
        [],
      );
      expect((await ok('GET', `/api/v1/calls/${callId}`)).data).toMatchObject({
        status: 'ended',
        endReason: 'canceled',
        transfers: [{ status: 'failed', endReason: 'canceled', agentId: 'dispatcher-002' }],
      });
      // Answering now is too late, and the ring timeout finds nothing to do.
      await server.advance(30_000);
      expect(await stateOf('dispatcher-002')).toBe(state);
      expect(agentStates('dispatcher-002')).toEqual(['available', 'reserved', state]);
    });
  }
});
