import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/core/events.ts';
import {
  type ApiResponse,
  connectEvents,
  type EventClient,
  startServer,
  type TestServer,
} from '../../support/server.ts';

let server: TestServer;
let client: EventClient | undefined;

beforeEach(async () => {
  server = await startServer();
});

afterEach(async () => {
  client?.close();
  client = undefined;
  await server.close({ removeData: true });
});

/** Stops the server and starts another on the same embedded store. */
async function restart(): Promise<void> {
  await server.close();
  server = await startServer({ dataDir: server.dataDir });
}

const ALICE = { id: 'alice', name: 'Alice', endpoint: 'sim/alice', skills: { french: 7 }, teams: ['north'] };

const SUPPORT = { id: 'support', name: 'Support', strategy: 'longest_idle', members: ['alice'] };

const ROUTE = { dialled: '+13125550100', destination: { kind: 'queue', queueId: 'support' } };

async function create(path: string, body: unknown): Promise<any> {
  const res = await server.request('POST', path, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body.success).toBe(true);
  return res.body.data;
}

async function data(method: string, path: string, body?: unknown): Promise<any> {
  const res = await server.request(method, path, body);
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(200);
  expect(res.body.success).toBe(true);
  return res.body.data;
}

/** Expects the shared failure shape with `code`, and returns the error for further checks. */
function failed(res: ApiResponse, status: number, code: string): any {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toEqual({
    success: false,
    error: {
      code,
      message: expect.any(String),
      ...(res.body.error?.details !== undefined && { details: expect.anything() }),
    },
  });
  return res.body.error;
}

const agentState = (agentId: string, state: string) => (e: DomainEvent) =>
  e.type === 'agent.state' && e.agentId === agentId && e.data.agent.status.state === state;

describe('agents', () => {
  it('creates, reads, lists, replaces, patches and deletes an agent', async () => {
    const created = await create('/api/v1/agents', {
      id: 'd-001',
      name: ' Dana ',
      endpoint: '(212) 555-0123',
    });
    expect(created).toEqual({
      id: 'd-001',
      name: 'Dana',
      endpoint: '+12125550123',
      skills: {},
      teams: [],
      roles: ['agent'],
      status: {
        state: 'offline',
        since: '2026-01-05T09:00:00.000Z',
        callsAnswered: 0,
        missedOffers: 0,
      },
    });
    expect(await data('GET', '/api/v1/agents/d-001')).toEqual(created);

    const replaced = await data('PUT', '/api/v1/agents/d-001', {
      name: 'Dana Scully',
      endpoint: 'PJSIP/1001',
      roles: ['dispatcher', 'supervisor'],
    });
    expect(replaced).toMatchObject({
      id: 'd-001',
      name: 'Dana Scully',
      endpoint: 'PJSIP/1001',
      skills: {},
      teams: [],
      roles: ['dispatcher', 'supervisor'],
    });
    // A body may repeat the id of the path.
    await data('PUT', '/api/v1/agents/d-001', { id: 'd-001', name: 'Dana S.', endpoint: 'PJSIP/1001' });

    const patched = await data('PATCH', '/api/v1/agents/d-001', { skills: { german: 3 }, teams: ['night'] });
    expect(patched).toMatchObject({
      name: 'Dana S.',
      endpoint: 'PJSIP/1001',
      skills: { german: 3 },
      teams: ['night'],
    });
    expect(patched.roles).toEqual(['agent']);

    await create('/api/v1/agents', ALICE);
    expect((await data('GET', '/api/v1/agents')).map((a: { id: string }) => a.id)).toEqual([
      'alice',
      'd-001',
    ]);

    expect(await data('DELETE', '/api/v1/agents/d-001')).toEqual({ id: 'd-001', deleted: true });
    failed(await server.request('GET', '/api/v1/agents/d-001'), 404, 'AGENT_NOT_FOUND');
    expect((await data('GET', '/api/v1/agents')).map((a: { id: string }) => a.id)).toEqual(['alice']);
  });

  it('filters the list by state, role and team', async () => {
    await create('/api/v1/agents', ALICE);
    await create('/api/v1/agents', { id: 'bob', name: 'Bob', endpoint: 'sim/bob', roles: ['dispatcher'] });
    await create('/api/v1/agents', {
      id: 'carol',
      name: 'Carol',
      endpoint: 'sim/carol',
      roles: ['supervisor'],
      teams: ['north'],
    });
    await data('POST', '/api/v1/agents/bob/login');
    await data('POST', '/api/v1/agents/carol/login');
    await data('POST', '/api/v1/agents/carol/pause');
    const ids = async (query: string) =>
      (await data('GET', `/api/v1/agents${query}`)).map((a: { id: string }) => a.id);
    expect(await ids('?state=available')).toEqual(['bob']);
    expect(await ids('?state=available,away')).toEqual(['bob', 'carol']);
    expect(await ids('?role=dispatcher')).toEqual(['bob']);
    expect(await ids('?team=north')).toEqual(['alice', 'carol']);
    expect(await ids('?team=north&state=offline')).toEqual(['alice']);
    expect(await ids('?team=south')).toEqual([]);
  });

  it('keeps agents across a restart, logged out', async () => {
    await create('/api/v1/agents', ALICE);
    await data('POST', '/api/v1/agents/alice/login');
    await restart();
    const agent = await data('GET', '/api/v1/agents/alice');
    expect(agent).toMatchObject({ ...ALICE, roles: ['agent'], status: { state: 'offline' } });
  });

  it('logs in, pauses, unpauses and logs out, with agent.state events and a state log', async () => {
    client = await connectEvents(server.url);
    await create('/api/v1/agents', ALICE);

    expect((await data('POST', '/api/v1/agents/alice/login')).status).toMatchObject({ state: 'available' });
    const paused = await data('POST', '/api/v1/agents/alice/pause');
    expect(paused.status).toMatchObject({ state: 'away', reason: 'break' });
    // Pausing again changes the reason.
    const lunch = await data('POST', '/api/v1/agents/alice/pause', { reason: 'lunch' });
    expect(lunch.status).toMatchObject({ state: 'away', reason: 'lunch' });
    expect((await data('POST', '/api/v1/agents/alice/unpause')).status.state).toBe('available');
    await server.advance(60_000);
    expect((await data('POST', '/api/v1/agents/alice/logout')).status.state).toBe('offline');

    const events = await client.waitForCount((e) => e.type === 'agent.state' && e.agentId === 'alice', 5);
    expect(
      events.map((e) => (e.type === 'agent.state' ? [e.data.previous, e.data.agent.status.state] : [])),
    ).toEqual([
      ['offline', 'available'],
      ['available', 'away'],
      ['away', 'away'],
      ['away', 'available'],
      ['available', 'offline'],
    ]);
    const last = events.at(-1)!;
    expect(last.type === 'agent.state' && last.data.agent).toMatchObject({ id: 'alice', name: 'Alice' });

    const log = await data('GET', '/api/v1/agents/alice/states');
    expect(log).toEqual([
      { agentId: 'alice', state: 'available', at: '2026-01-05T09:00:00.000Z' },
      { agentId: 'alice', state: 'away', reason: 'break', at: '2026-01-05T09:00:00.000Z' },
      { agentId: 'alice', state: 'away', reason: 'lunch', at: '2026-01-05T09:00:00.000Z' },
      { agentId: 'alice', state: 'available', at: '2026-01-05T09:00:00.000Z' },
      { agentId: 'alice', state: 'offline', at: '2026-01-05T09:01:00.000Z' },
    ]);
    expect(await data('GET', '/api/v1/agents/alice/states?since=2026-01-05T09:00:30Z')).toEqual([log[4]]);
    expect(await data('GET', '/api/v1/agents/alice/states?until=2026-01-05T09:00:30Z&limit=2')).toEqual(
      log.slice(0, 2),
    );
  });
});

describe('queues', () => {
  beforeEach(async () => {
    await create('/api/v1/agents', ALICE);
    await create('/api/v1/agents', { id: 'bob', name: 'Bob', endpoint: 'sim/bob' });
  });

  it('creates, reads, lists, replaces, patches and deletes a queue', async () => {
    const created = await create('/api/v1/queues', SUPPORT);
    expect(created).toEqual({
      ...SUPPORT,
      requiredSkills: {},
      offerTimeoutMs: 15_000,
      wrapUpMs: 0,
      whenNoAgents: 'wait',
      serviceLevelMs: 20_000,
      agingMs: 120_000,
    });
    expect(await data('GET', '/api/v1/queues/support')).toEqual(created);

    const hours = {
      timeZone: 'America/Chicago',
      weekly: { mon: ['08:00-18:00'], sat: ['10:00-14:00'] },
      holidays: ['2026-12-25'],
    };
    const replaced = await data('PUT', '/api/v1/queues/support', {
      name: 'Support (day)',
      strategy: 'ring_all',
      members: ['alice', 'bob'],
      businessHours: hours,
      closedAction: { kind: 'number', to: '+13125550199' },
    });
    expect(replaced).toMatchObject({
      id: 'support',
      strategy: 'ring_all',
      businessHours: hours,
      wrapUpMs: 0,
    });

    const patched = await data('PATCH', '/api/v1/queues/support', {
      wrapUpMs: 10_000,
      maxWaitMs: 120_000,
      overflow: { kind: 'hangup', reason: 'busy' },
    });
    expect(patched).toMatchObject({ name: 'Support (day)', wrapUpMs: 10_000, maxWaitMs: 120_000 });
    // null removes an optional setting.
    const open = await data('PATCH', '/api/v1/queues/support', { businessHours: null, closedAction: null });
    expect(open.businessHours).toBeUndefined();
    expect(open.closedAction).toBeUndefined();

    await create('/api/v1/queues', { id: 'billing', name: 'Billing', strategy: 'random' });
    expect((await data('GET', '/api/v1/queues')).map((q: { id: string }) => q.id)).toEqual([
      'billing',
      'support',
    ]);

    expect(await data('DELETE', '/api/v1/queues/billing')).toEqual({ id: 'billing', deleted: true });
    failed(await server.request('GET', '/api/v1/queues/billing'), 404, 'QUEUE_NOT_FOUND');
  });

  it('keeps queues across a restart', async () => {
    const created = await create('/api/v1/queues', { ...SUPPORT, wrapUpMs: 5_000 });
    await restart();
    expect(await data('GET', '/api/v1/queues/support')).toEqual(created);
    expect(await data('GET', '/api/v1/queues')).toEqual([created]);
  });

  it('answers stats and the waiting callers of an empty queue', async () => {
    await create('/api/v1/queues', SUPPORT);
    expect(await data('GET', '/api/v1/queues/support/stats')).toMatchObject({
      queueId: 'support',
      waiting: 0,
      agentsLoggedIn: 0,
      answered: 0,
      serviceLevel: null,
    });
    expect(await data('GET', '/api/v1/queues/support/calls')).toEqual([]);
  });

  it('puts a live call into a queue, where it waits in offer order', async () => {
    client = await connectEvents(server.url);
    await create('/api/v1/queues', SUPPORT);
    // No route matches these numbers: the calls ring for the business application, which queues them.
    await data('POST', '/api/v1/sim/inbound', { from: '+14155550101', to: '+13125550111' });
    await data('POST', '/api/v1/sim/inbound', { from: '+14155550102', to: '+13125550111' });
    const ringing = await client.waitForCount((e) => e.type === 'call.ringing', 2);
    const [a, b] = ringing.map((e) => e.callId!);

    const res = await server.request('POST', '/api/v1/queues/support/calls', { callId: a });
    expect(res.status).toBe(201);
    expect(res.body.data).toEqual({ queueId: 'support', callId: a, priority: 'normal' });
    await create('/api/v1/queues/support/calls', { callId: b, priority: 'emergency' });
    await client.waitForCount((e) => e.type === 'queue.entered', 2);

    const waiting = await data('GET', '/api/v1/queues/support/calls');
    expect(waiting).toEqual([
      { callId: b, priority: 'emergency', enteredAt: '2026-01-05T09:00:00.000Z', offeredTo: [] },
      { callId: a, priority: 'normal', enteredAt: '2026-01-05T09:00:00.000Z', offeredTo: [] },
    ]);
    expect((await data('GET', '/api/v1/queues/support/stats')).waiting).toBe(2);

    failed(await server.request('POST', '/api/v1/queues/support/calls', { callId: a }), 409, 'DUPLICATE');
    failed(
      await server.request('POST', '/api/v1/queues/support/calls', { callId: 'nope' }),
      404,
      'CALL_NOT_FOUND',
    );
    // A queue with callers waiting stays.
    const busy = failed(await server.request('DELETE', '/api/v1/queues/support'), 409, 'INVALID_STATE');
    expect(busy.details).toMatchObject({ queueId: 'support', waiting: 2 });
  });
});

describe('inbound routes', () => {
  it('creates with a generated id, reads, lists, replaces and deletes a route', async () => {
    const created = await create('/api/v1/routes', ROUTE);
    expect(created).toEqual({ id: expect.stringMatching(/^route-[a-z2-9]{6}$/), ...ROUTE, order: 100 });
    const named = await create('/api/v1/routes', {
      id: 'night',
      dialled: '+1312555*',
      caller: '+1415*',
      window: { timeZone: 'America/Chicago', weekly: { mon: ['22:00-06:00'] } },
      order: 5,
      destination: { kind: 'hangup', reason: 'busy' },
    });
    expect(named).toMatchObject({ id: 'night', dialled: '+1312555*', caller: '+1415*', order: 5 });
    // Numbers are stored as the engine writes them, so a national number matches calls to its E.164 form.
    const national = await create('/api/v1/routes', { ...ROUTE, dialled: '(312) 555-0101' });
    expect(national.dialled).toBe('+13125550101');

    expect(await data('GET', `/api/v1/routes/${created.id}`)).toEqual(created);
    const ids = (await data('GET', '/api/v1/routes')).map((r: { id: string }) => r.id);
    expect(ids.sort()).toEqual([created.id, national.id, 'night'].sort());

    const replaced = await data('PUT', '/api/v1/routes/night', {
      dialled: '*',
      destination: { kind: 'agent', agentId: 'alice' },
    });
    expect(replaced).toEqual({
      id: 'night',
      dialled: '*',
      order: 100,
      destination: { kind: 'agent', agentId: 'alice' },
    });

    expect(await data('DELETE', '/api/v1/routes/night')).toEqual({ id: 'night', deleted: true });
    failed(await server.request('DELETE', '/api/v1/routes/night'), 404, 'ROUTE_NOT_FOUND');
    failed(await server.request('GET', '/api/v1/routes/night'), 404, 'ROUTE_NOT_FOUND');
  });

  it('keeps routes across a restart', async () => {
    const created = await create('/api/v1/routes', { ...ROUTE, id: 'main' });
    await restart();
    expect(await data('GET', '/api/v1/routes')).toEqual([created]);
  });
});

describe('invalid input answers 4xx in the shared shape', () => {
  beforeEach(async () => {
    await create('/api/v1/agents', ALICE);
    await create('/api/v1/queues', SUPPORT);
    await create('/api/v1/routes', { ...ROUTE, id: 'main' });
  });

  it('names an unknown agent, queue or route with its 404 code', async () => {
    const cases: [string, string, unknown, string][] = [
      ['GET', '/api/v1/agents/nobody', undefined, 'AGENT_NOT_FOUND'],
      ['PUT', '/api/v1/agents/nobody', { name: 'N', endpoint: 'sim/n' }, 'AGENT_NOT_FOUND'],
      ['PATCH', '/api/v1/agents/nobody', { name: 'N' }, 'AGENT_NOT_FOUND'],
      ['DELETE', '/api/v1/agents/nobody', undefined, 'AGENT_NOT_FOUND'],
      ['POST', '/api/v1/agents/nobody/login', undefined, 'AGENT_NOT_FOUND'],
      ['POST', '/api/v1/agents/nobody/pause', { reason: 'lunch' }, 'AGENT_NOT_FOUND'],
      ['GET', '/api/v1/agents/nobody/states', undefined, 'AGENT_NOT_FOUND'],
      ['GET', '/api/v1/queues/nowhere', undefined, 'QUEUE_NOT_FOUND'],
      ['PUT', '/api/v1/queues/nowhere', { name: 'N', strategy: 'random' }, 'QUEUE_NOT_FOUND'],
      ['PATCH', '/api/v1/queues/nowhere', { name: 'N' }, 'QUEUE_NOT_FOUND'],
      ['DELETE', '/api/v1/queues/nowhere', undefined, 'QUEUE_NOT_FOUND'],
      ['GET', '/api/v1/queues/nowhere/stats', undefined, 'QUEUE_NOT_FOUND'],
      ['GET', '/api/v1/queues/nowhere/calls', undefined, 'QUEUE_NOT_FOUND'],
      ['POST', '/api/v1/queues/nowhere/calls', { callId: 'c-1' }, 'QUEUE_NOT_FOUND'],
      // The ACD's private per-agent queues are not queues of the API.
      ['GET', '/api/v1/queues/agent:alice', undefined, 'QUEUE_NOT_FOUND'],
      ['POST', '/api/v1/queues/agent:alice/calls', { callId: 'c-1' }, 'QUEUE_NOT_FOUND'],
      ['PUT', '/api/v1/routes/nothing', ROUTE, 'ROUTE_NOT_FOUND'],
    ];
    for (const [method, path, body, code] of cases) {
      const res = await server.request(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body, `${method} ${path}`).toMatchObject({ success: false, error: { code } });
    }
  });

  it('refuses duplicates with 409 DUPLICATE', async () => {
    failed(await server.request('POST', '/api/v1/agents', { ...ALICE, name: 'Other' }), 409, 'DUPLICATE');
    failed(await server.request('POST', '/api/v1/queues', SUPPORT), 409, 'DUPLICATE');
    failed(await server.request('POST', '/api/v1/routes', { ...ROUTE, id: 'main' }), 409, 'DUPLICATE');
    expect((await data('GET', '/api/v1/agents/alice')).name).toBe('Alice');
  });

  it('names the field of a bad skill level, time zone, unknown field or mismatched id', async () => {
    const cases: [string, string, unknown, string, RegExp][] = [
      [
        'POST',
        '/api/v1/agents',
        { ...ALICE, id: 'x', skills: { french: 11 } },
        'skills.french',
        /use 1 to 10/,
      ],
      ['PATCH', '/api/v1/agents/alice', { skills: { french: 0 } }, 'skills.french', /use 1 to 10/],
      ['POST', '/api/v1/agents', { ...ALICE, id: 'x', colour: 'red' }, 'colour', /unknown field/],
      ['PATCH', '/api/v1/agents/alice', { id: 'bob' }, 'id', /cannot be changed/],
      ['PUT', '/api/v1/agents/alice', { ...ALICE, id: 'bob' }, 'id', /path names "alice"/],
      ['POST', '/api/v1/agents', { id: 'x', name: 'X', endpoint: '+1 555' }, 'endpoint', /phone number/],
      [
        'POST',
        '/api/v1/queues',
        {
          id: 'q2',
          name: 'Q',
          strategy: 'random',
          businessHours: { timeZone: 'Mars/Olympus', weekly: {} },
          closedAction: { kind: 'hangup', reason: 'busy' },
        },
        'businessHours.timeZone',
        /unknown time zone/,
      ],
      ['POST', '/api/v1/queues', { id: 'q2', name: 'Q', strategy: 'fastest' }, 'strategy', /./],
      [
        'POST',
        '/api/v1/queues',
        { ...SUPPORT, id: 'q2', requiredSkills: { french: 12 } },
        'requiredSkills.french',
        /1 to 10/,
      ],
      ['PATCH', '/api/v1/queues/support', { maxWaitMs: 60_000 }, 'overflow', /required with maxWaitMs/],
      ['PATCH', '/api/v1/queues/support', { wrapUp: 5 }, 'wrapUp', /unknown field/],
      [
        'PUT',
        '/api/v1/queues/support',
        { name: 'S', strategy: 'random', maxWaitMs: 60_000, overflow: { kind: 'queue', queueId: 'support' } },
        'overflow.queueId',
        /cannot send callers to itself/,
      ],
      ['PUT', '/api/v1/queues/support', { ...SUPPORT, id: 'other' }, 'id', /path names "support"/],
      ['POST', '/api/v1/queues/support/calls', { callId: 'c-1', priority: 'urgent' }, 'priority', /./],
      ['POST', '/api/v1/routes', { ...ROUTE, dialled: 'not a number' }, 'dialled', /./],
      [
        'POST',
        '/api/v1/routes',
        { ...ROUTE, window: { timeZone: 'Nowhere/Land', weekly: {} } },
        'window.timeZone',
        /unknown time zone/,
      ],
      ['POST', '/api/v1/routes', { ...ROUTE, destination: { kind: 'moon' } }, 'destination.kind', /use kind/],
      ['PUT', '/api/v1/routes/main', { ...ROUTE, id: 'other' }, 'id', /path names "main"/],
      ['POST', '/api/v1/agents/alice/pause', { reason: 'x'.repeat(65) }, 'reason', /./],
      ['POST', '/api/v1/agents/alice/pause', { reason: 'lunch', until: 'later' }, 'until', /unknown field/],
    ];
    for (const [method, path, body, field, problem] of cases) {
      const what = `${method} ${path} ${JSON.stringify(body)}`;
      const res = await server.request(method, path, body);
      expect(res.status, what).toBe(400);
      expect(res.body.success, what).toBe(false);
      expect(res.body.error.code, what).toBe('VALIDATION_ERROR');
      const fields = res.body.error.details.map((d: { in: string; path: string; problem: string }) => ({
        at: `${d.in}.${d.path}`,
        problem: d.problem,
      }));
      expect(fields, what).toContainEqual({ at: `body.${field}`, problem: expect.stringMatching(problem) });
      expect(res.body.error.message, what).toContain(`body.${field}`);
    }
  });

  it('names a bad query parameter', async () => {
    const cases: [string, string][] = [
      ['/api/v1/agents?state=busy', 'query.state.0'],
      ['/api/v1/agents?role=boss', 'query.role'],
      ['/api/v1/agents?colour=red', 'query.colour'],
      ['/api/v1/agents/alice/states?limit=0', 'query.limit'],
      ['/api/v1/agents/alice/states?since=yesterday', 'query.since'],
    ];
    for (const [path, at] of cases) {
      const error = failed(await server.request('GET', path), 400, 'VALIDATION_ERROR');
      expect(
        error.details.map((d: { in: string; path: string }) => `${d.in}.${d.path}`),
        path,
      ).toContain(at);
    }
  });

  it('refuses an agent transition the state table forbids with 409 INVALID_STATE naming the state', async () => {
    for (const verb of ['unpause', 'logout', 'pause']) {
      const error = failed(
        await server.request('POST', `/api/v1/agents/alice/${verb}`),
        409,
        'INVALID_STATE',
      );
      expect(error.details).toMatchObject({ agentId: 'alice', state: 'offline' });
      expect(error.message).toContain('offline');
    }
    await data('POST', '/api/v1/agents/alice/login');
    const again = failed(await server.request('POST', '/api/v1/agents/alice/login'), 409, 'INVALID_STATE');
    expect(again.details).toMatchObject({ state: 'available' });
    // Only a logged-out agent can be deleted.
    const del = failed(await server.request('DELETE', '/api/v1/agents/alice'), 409, 'INVALID_STATE');
    expect(del.details).toMatchObject({ state: 'available' });
  });

  it('refuses queue members that are not agents with 404 AGENT_NOT_FOUND', async () => {
    const create = failed(
      await server.request('POST', '/api/v1/queues', { ...SUPPORT, id: 'q2', members: ['alice', 'ghost'] }),
      404,
      'AGENT_NOT_FOUND',
    );
    expect(create.details).toEqual({ agentId: 'ghost' });
    failed(
      await server.request('PATCH', '/api/v1/queues/support', { members: ['ghost'] }),
      404,
      'AGENT_NOT_FOUND',
    );
    failed(await server.request('GET', '/api/v1/queues/q2'), 404, 'QUEUE_NOT_FOUND');
    expect((await data('GET', '/api/v1/queues/support')).members).toEqual(['alice']);
  });

  it('answers malformed JSON, a wrong body type and a missing body with 400, never 500', async () => {
    const malformed = await server.request('POST', '/api/v1/agents', '{"id": ');
    failed(malformed, 400, 'VALIDATION_ERROR');
    failed(await server.request('POST', '/api/v1/queues', [1, 2]), 400, 'VALIDATION_ERROR');
    failed(await server.request('POST', '/api/v1/routes'), 400, 'VALIDATION_ERROR');
    failed(await server.request('PATCH', '/api/v1/agents/alice', 'null'), 400, 'VALIDATION_ERROR');
  });
});

describe('an inbound call through the ACD', () => {
  it('is routed to the queue, answered by alice, counted, and frees her after the hangup', async () => {
    client = await connectEvents(server.url);
    // The caller stays on the line until the test hangs up.
    await data('PUT', '/api/v1/sim/profiles', { match: '+14155550123', profile: { hangupAfterMs: null } });
    await create('/api/v1/agents', ALICE);
    await create('/api/v1/queues', SUPPORT);
    await create('/api/v1/routes', ROUTE);
    await data('POST', '/api/v1/agents/alice/login');

    await data('POST', '/api/v1/sim/inbound', { from: '+14155550123', to: '+13125550100' });
    await server.advance(1_000);

    const answered = await client.waitFor((e) => e.type === 'call.answered', 'call.answered');
    expect(answered.type === 'call.answered' && answered.data.call).toMatchObject({
      direction: 'inbound',
      from: '+14155550123',
      to: '+13125550100',
      queueId: 'support',
      agentId: 'alice',
      // alice's phone answers the offer at once.
      answeredAt: '2026-01-05T09:00:00.000Z',
    });
    const callId = answered.callId!;
    expect((await data('GET', '/api/v1/agents/alice')).status).toMatchObject({ state: 'on_call', callId });
    expect(await data('GET', '/api/v1/queues/support/stats')).toMatchObject({
      waiting: 0,
      entered: 1,
      answered: 1,
    });
    expect(await data('GET', '/api/v1/queues/support/calls')).toEqual([]);

    // Nobody walks away from a caller: the table has no logout from on_call.
    const busy = failed(await server.request('POST', '/api/v1/agents/alice/logout'), 409, 'INVALID_STATE');
    expect(busy.details).toMatchObject({ state: 'on_call' });
    expect(busy.message).toContain('on call');

    await server.advance(30_000);
    await data('POST', `/api/v1/calls/${callId}/hangup`);
    await server.advance(0);
    await client.waitFor(agentState('alice', 'available'));
    expect((await data('GET', '/api/v1/agents/alice')).status).toMatchObject({
      state: 'available',
      callsAnswered: 1,
    });

    const states = client.events
      .filter((e) => e.type === 'agent.state' && e.agentId === 'alice')
      .map((e) => (e.type === 'agent.state' ? e.data.agent.status.state : ''));
    expect(states).toEqual(['available', 'reserved', 'on_call', 'wrap_up', 'available']);
    const stats = await data('GET', '/api/v1/queues/support/stats');
    expect(stats).toMatchObject({ answered: 1, abandoned: 0, averageTalkMs: 31_000, serviceLevel: 1 });
  });
});

describe('OpenAPI document', () => {
  it('documents every ACD route with a summary, a tag and the shared error envelope', async () => {
    const doc = (await server.request('GET', '/openapi.json')).body;
    const routes = Object.entries(doc.paths as Record<string, Record<string, any>>)
      .filter(([path]) => /^\/api\/v1\/(agents|queues|routes)/.test(path))
      .flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
      );
    const agent = (verb: string) => `POST /api/v1/agents/{agentId}/${verb}`;
    expect(routes.map((r) => r.route).sort()).toEqual(
      [
        'GET /api/v1/agents',
        'POST /api/v1/agents',
        'GET /api/v1/agents/{agentId}',
        'PUT /api/v1/agents/{agentId}',
        'PATCH /api/v1/agents/{agentId}',
        'DELETE /api/v1/agents/{agentId}',
        ...['login', 'logout', 'pause', 'unpause'].map(agent),
        'GET /api/v1/agents/{agentId}/states',
        // The agent's console password (api/routes/sessions.ts), under the agent it belongs to.
        'PUT /api/v1/agents/{agentId}/password',
        'GET /api/v1/queues',
        'POST /api/v1/queues',
        'GET /api/v1/queues/{queueId}',
        'PUT /api/v1/queues/{queueId}',
        'PATCH /api/v1/queues/{queueId}',
        'DELETE /api/v1/queues/{queueId}',
        'GET /api/v1/queues/{queueId}/stats',
        'GET /api/v1/queues/{queueId}/calls',
        'POST /api/v1/queues/{queueId}/calls',
        'GET /api/v1/routes',
        'POST /api/v1/routes',
        'GET /api/v1/routes/{routeId}',
        'PUT /api/v1/routes/{routeId}',
        'DELETE /api/v1/routes/{routeId}',
      ].sort(),
    );
    for (const { route, op } of routes) {
      expect(op.summary, route).toMatch(/\S/);
      expect(op.tags, route).toHaveLength(1);
      expect(op.responses['4XX'].content['application/json'].schema, route).toEqual({
        $ref: '#/components/schemas/ErrorEnvelope',
      });
    }
    expect(
      doc.paths['/api/v1/queues/{queueId}/stats'].get.responses['200'].content['application/json'].schema
        .properties.data,
    ).toEqual({
      $ref: '#/components/schemas/QueueStats',
    });
    expect(doc.components.schemas.ErrorCode.enum).toContain('ROUTE_NOT_FOUND');
  });
});
