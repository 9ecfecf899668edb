import { afterEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../src/core/events.ts';
import { connectEvents, type EventClient, startServer, type TestServer } from './support/server.ts';

/** What `npm start -- --demo` sets (the CLI turns the flag into this variable). */
const DEMO = { SWITCHBOARD_DEMO: 'true' } as const;
const CHECKIN_LINE = '+13125550100';
const DRIVER_42_PHONE = '+13125550142';

const WELCOME = 'Welcome. Enter your driver ID followed by #';
const ONE_TRIP = 'You have 1 active trip. Press 1 to check in at pickup.';
const THANKS = 'Thank you. Your check-in is recorded. Goodbye.';

let server: TestServer | undefined;
let client: EventClient | undefined;

afterEach(async () => {
  client?.close();
  await server?.close({ removeData: true });
  server = undefined;
  client = undefined;
});

async function ok(method: string, path: string, body?: unknown) {
  const res = await server!.request(method, path, body);
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
}

const promptsOf = (callId: string) =>
  client!.events
    .filter((e: DomainEvent) => e.type === 'ivr.prompt' && e.callId === callId)
    .map((e) => (e.data as { text: string }).text);

const heard = (callId: string, text: string) =>
  client!.waitFor(
    (e) => e.type === 'ivr.prompt' && e.callId === callId && (e.data as { text: string }).text === text,
  );

describe('demo mode (npm start -- --demo)', () => {
  it('starts with dispatchers on duty, the dispatch queue, both lines and the fleet directory', async () => {
    server = await startServer({ env: DEMO });
    const agents = (await ok('GET', '/api/v1/agents')).data as {
      id: string;
      roles: string[];
      status: { state: string };
    }[];
    expect(agents.map((a) => [a.id, a.roles[0], a.status.state])).toEqual([
      ['dispatcher-001', 'dispatcher', 'available'],
      ['dispatcher-002', 'dispatcher', 'available'],
      ['supervisor-001', 'supervisor', 'available'],
    ]);
    expect((await ok('GET', '/api/v1/queues/dispatch')).data.members).toEqual([
      'dispatcher-001',
      'dispatcher-002',
    ]);
    const routes = (await ok('GET', '/api/v1/routes')).data as { id: string; destination: unknown }[];
    expect(routes.map((r) => r.id).sort()).toEqual(['demo-checkin', 'demo-dispatch']);
    expect(await ok('GET', '/demo/fleet/drivers/42')).toMatchObject({
      name: 'Dana Kowalski',
      activeTrips: 1,
      trips: [{ id: 'T-1042' }],
      vehicle: { plate: 'IL-4821-TX' },
    });
    expect((await server.request('GET', '/demo/fleet/drivers/9999')).status).toBe(404);
  });

  it('plays the driver check-in with driver 42 end to end against the built-in fleet directory', async () => {
    server = await startServer({ env: DEMO });
    client = await connectEvents(server.url);
    const { channelId } = (
      await ok('POST', '/api/v1/sim/inbound', { from: DRIVER_42_PHONE, to: CHECKIN_LINE })
    ).data;
    await server.advance(0);
    const started = await client.waitFor((e) => e.type === 'ivr.started');
    const callId = started.callId!;
    await heard(callId, WELCOME);

    // The driver keys 42# while the welcome plays: the flow looks driver 42 up in the fleet directory.
    await ok('POST', `/api/v1/sim/channels/${channelId}/dtmf`, { digits: '42#', interDigitMs: 300 });
    await server.advance(1_000);
    await heard(callId, ONE_TRIP);
    await ok('POST', `/api/v1/sim/channels/${channelId}/dtmf`, { digits: '1' });
    await heard(callId, THANKS);

    const checkIns = await ok('GET', '/demo/fleet/checkins');
    expect(checkIns).toEqual([
      {
        driverId: '42',
        tripId: 'T-1042',
        event: 'pickup',
        callId,
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        receivedAt: expect.any(String),
      },
    ]);

    await server.advance(10_000);
    await client.waitFor((e) => e.type === 'call.ended' && e.callId === callId);
    expect(promptsOf(callId)).toEqual([WELCOME, ONE_TRIP, THANKS]);
    await client.waitFor((e) => e.type === 'ivr.ended' && e.callId === callId);
    await server.advance(0);
    const record = (await ok('GET', `/api/v1/calls/${callId}`)).data;
    expect(record.context.ivr).toMatchObject({
      flowId: 'driver-checkin',
      outcome: 'hangup',
      lastNode: 'bye',
    });
    const trace = record.context.ivr.trace as {
      node: string;
      event: string;
      url?: string;
      status?: number;
    }[];
    expect(trace.filter((t) => t.event === 'http')).toEqual([
      expect.objectContaining({ node: 'lookup', method: 'GET', status: 200 }),
      expect.objectContaining({ node: 'checkIn', method: 'POST', status: 201 }),
    ]);
  });

  it("offers a panic button's emergency with the driver's name and vehicle from the fleet directory", async () => {
    server = await startServer({ env: DEMO });
    client = await connectEvents(server.url);
    const raised = await server.request('POST', '/api/cti/emergency', {
      driverId: '42',
      driverPhone: DRIVER_42_PHONE,
    });
    expect(raised.status).toBeLessThan(300);
    const offered = await client.waitFor((e) => e.type === 'call.offered' && e.callId === raised.body.callId);
    expect((offered.data as { call: { context: unknown } }).call.context).toMatchObject({
      emergency: { driverId: '42', driverName: 'Dana Kowalski', vehiclePlate: 'IL-4821-TX' },
    });
  });

  it('seeds idempotently: a second start on the same data keeps one of everything', async () => {
    server = await startServer({ env: DEMO });
    const { dataDir } = server;
    await ok('PATCH', '/api/v1/agents/dispatcher-002', { name: 'Sam O.' });
    await server.close();
    server = await startServer({ env: DEMO, dataDir });
    const agents = (await ok('GET', '/api/v1/agents')).data as {
      id: string;
      name: string;
      status: { state: string };
    }[];
    expect(agents.map((a) => a.id)).toEqual(['dispatcher-001', 'dispatcher-002', 'supervisor-001']);
    expect(agents.every((a) => a.status.state === 'available')).toBe(true);
    expect(agents[1]!.name).toBe('Sam O.');
    expect((await ok('GET', '/api/v1/queues')).data.map((q: { id: string }) => q.id)).toEqual(['dispatch']);
    expect((await ok('GET', '/api/v1/routes')).data).toHaveLength(2);
    expect((await ok('GET', '/api/v1/ivr/flows/driver-checkin/versions')).data).toHaveLength(1);
  });
});
