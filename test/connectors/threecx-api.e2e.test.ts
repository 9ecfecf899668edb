import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CdrDatabase, threecxId } from '../support/cdroutput.ts';
import { connectEvents, type TestServer } from '../support/server.ts';
import { startWithThreeCx } from '../support/threecx.ts';

/** The integration API under /api/v1/integrations/3cx, alerts in and out of business hours, failures. */

const BASE = '/api/v1/integrations/3cx';
const db = new CdrDatabase();
const servers: TestServer[] = [];
beforeAll(async () => {
  await db.open();
});
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close({ removeData: true });
});
afterAll(async () => {
  await db.close();
});

async function start(options: Parameters<typeof startWithThreeCx>[1] = {}): Promise<TestServer> {
  const server = await startWithThreeCx(db, options);
  servers.push(server);
  return server;
}

const REPORT = {
  pbxCallId: 'call-9001',
  phoneNumber: '(907) 555-0142',
  callDuration: 75,
  callOwnerExtension: '101',
  callOwnerEmail: 'john.doe@example.com',
  callDirection: 'INBOUND',
  timestamp: '2026-01-05T08:45:00.000Z',
};

describe('PBX calls through the integration API', () => {
  it('logs a reported call once (409 DUPLICATE after), lists it pending until its user completes it', async () => {
    const server = await start();
    const created = await server.request('POST', `${BASE}/calls/from-pbx`, REPORT);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const view = {
      pbxCallId: 'call-9001',
      callId: '3cx-call-9001',
      phoneNumber: '+19075550142',
      callDuration: 75,
      callOwnerExtension: '101',
      callOwnerEmail: 'john.doe@example.com',
      callDirection: 'INBOUND',
      timestamp: '2026-01-05T08:45:00.000Z',
      isPbxOriginated: true,
      pbxDataReceivedAt: '2026-01-05T09:00:00.000Z',
    };
    expect(created.body).toEqual({ success: true, data: view });
    const duplicate = await server.request('POST', `${BASE}/calls/from-pbx`, { ...REPORT, callDuration: 1 });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe('DUPLICATE');

    const record = await server.request('GET', '/api/v1/calls/3cx-call-9001');
    expect(record.body.data).toMatchObject({ source: '3cx', externalId: 'call-9001', duration: 75 });
    expect((await server.request('GET', `${BASE}/calls/pending-pbx`)).body.data).toEqual([view]);
    expect(
      (await server.request('GET', `${BASE}/calls/user/john.doe@example.com/pending-pbx`)).body.data,
    ).toEqual([view]);
    expect(
      (await server.request('GET', `${BASE}/calls/user/jane.roe@example.com/pending-pbx`)).body.data,
    ).toEqual([]);

    await server.advance(60_000);
    const done = await server.request('POST', `${BASE}/calls/call-9001/complete`);
    expect(done.body.data).toEqual({ ...view, completedAt: '2026-01-05T09:01:00.000Z' });
    expect((await server.request('GET', `${BASE}/calls/pending-pbx`)).body.data).toEqual([]);
    const unknown = await server.request('POST', `${BASE}/calls/nope/complete`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('PBX_CALL_NOT_FOUND');

    // E-mail addresses are matched whatever their case.
    const mixed = await server.request('POST', `${BASE}/calls/from-pbx`, {
      ...REPORT,
      pbxCallId: 'call-9002',
      callOwnerEmail: 'Jane.Roe@Example.com',
    });
    expect(mixed.body.data.callOwnerEmail).toBe('jane.roe@example.com');
    const janes = await server.request('GET', `${BASE}/calls/user/JANE.ROE@example.com/pending-pbx`);
    expect(janes.body.data.map((p: { pbxCallId: string }) => p.pbxCallId)).toEqual(['call-9002']);

    for (const bad of [
      { ...REPORT, callDirection: 'SIDEWAYS' },
      { ...REPORT, callOwnerEmail: 'nobody' },
      { ...REPORT, pbxCallId: 'a b' },
      { ...REPORT, extra: 1 },
    ]) {
      const res = await server.request('POST', `${BASE}/calls/from-pbx`, bad);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
    expect((await server.request('GET', `${BASE}/calls/user/not-an-email/pending-pbx`)).status).toBe(400);
    // The imported call's timeline: the event that logged it.
    const timeline = await server.request('GET', '/api/v1/calls/3cx-call-9001/events');
    expect(timeline.body.data.map((e: { type: string }) => e.type)).toEqual(['threecx.call.logged']);
    // Its routes are documented with the rest.
    const doc = (await server.request('GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths).filter((p: string) => p.startsWith(BASE))).toHaveLength(11);
  });
});

describe('call-group alerts', () => {
  it('keeps one active alert per group and type; lists, filters and resolves them', async () => {
    const server = await start();
    const alert = {
      callGroupId: '700',
      callGroupName: 'Support Team',
      alertType: 'MISSED_CALL',
      alertMessage: 'x',
    };
    const first = await server.request('POST', `${BASE}/alerts/call-groups`, alert);
    expect(first.status).toBe(201);
    expect(first.body.data).toEqual({
      id: expect.any(String),
      ...alert,
      isActive: true,
      createdAt: '2026-01-05T09:00:00.000Z',
      resolvedAt: null,
    });
    const again = await server.request('POST', `${BASE}/alerts/call-groups`, alert);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'DUPLICATE', details: { alert: first.body.data } });
    const other = await server.request('POST', `${BASE}/alerts/call-groups`, {
      ...alert,
      alertType: 'NO_AGENTS',
    });
    expect(other.status).toBe(201);

    const resolved = await server.request('PUT', `${BASE}/alerts/call-groups/${first.body.data.id}/resolve`);
    expect(resolved.body.data).toMatchObject({ isActive: false, resolvedAt: '2026-01-05T09:00:00.000Z' });
    const ids = async (path: string) =>
      (await server.request('GET', `${BASE}/alerts/call-groups${path}`)).body.data.map(
        (a: { id: string }) => a.id,
      );
    expect(await ids('?active=true')).toEqual([other.body.data.id]);
    expect((await ids('/700')).sort()).toEqual([first.body.data.id, other.body.data.id].sort());
    expect(await ids('/701')).toEqual([]);
    expect((await server.request('POST', `${BASE}/alerts/call-groups`, alert)).status).toBe(201);
    const missing = await server.request('PUT', `${BASE}/alerts/call-groups/nope/resolve`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('ALERT_NOT_FOUND');
    expect(
      (await server.request('POST', `${BASE}/alerts/call-groups`, { ...alert, alertType: 'lower' })).status,
    ).toBe(400);
  });

  it('raises NO_AGENTS for a watched queue with nobody available only in business hours, and resolves it', async () => {
    const server = await start({ env: { THREECX_POLL_SECONDS: '3600' } });
    const events = await connectEvents(server.url);
    await server.request('POST', '/api/v1/agents', { id: 'alice', name: 'Alice', endpoint: 'sim/alice' });
    await server.request('POST', '/api/v1/queues', {
      id: 'support',
      name: 'Support',
      strategy: 'longest_idle',
      members: ['alice'],
    });

    // Monday 00:00 in Anchorage: closed.
    expect((await server.request('GET', `${BASE}/status`)).body.data.isBusinessHours).toBe(false);
    expect((await server.request('POST', `${BASE}/trigger/alerts`)).body.data).toEqual([]);
    await server.advance(60_000);
    expect((await server.request('GET', `${BASE}/alerts/call-groups`)).body.data).toEqual([]);

    // Monday 09:00 in Anchorage: the periodic check finds the queue without agents.
    await server.advance(9 * 3_600_000 - 60_000);
    const status = (await server.request('GET', `${BASE}/status`)).body.data;
    expect(status).toMatchObject({ isBusinessHours: true, uptime: 9 * 3600 });
    const active = (await server.request('GET', `${BASE}/alerts/call-groups?active=true`)).body.data;
    expect(active).toMatchObject([
      { callGroupId: 'support', callGroupName: 'Support queue', alertType: 'NO_AGENTS' },
    ]);
    // 3CX's own group 700 has no presence source here: no alert rather than a guess.
    expect((await server.request('POST', `${BASE}/trigger/alerts`)).body.data).toEqual([]);
    await events.waitFor((e) => e.type === 'threecx.alert.raised');
    const mails = (await server.request('GET', '/api/v1/notifications?topic=callgroup:support')).body.data;
    expect(mails).toMatchObject([{ to: 'supervisor@example.com', subject: 'NO_AGENTS: Support queue' }]);

    await server.request('POST', '/api/v1/agents/alice/login');
    expect((await server.request('POST', `${BASE}/trigger/alerts`)).body.data).toEqual([]);
    const resolved = await events.waitFor((e) => e.type === 'threecx.alert.resolved');
    expect(resolved.data).toMatchObject({ alert: { callGroupId: 'support', isActive: false } });
    expect((await server.request('GET', `${BASE}/alerts/call-groups?active=true`)).body.data).toEqual([]);
    events.close();
  });
});

describe('the CDR database failing', () => {
  it('answers 503 and reports degraded health, keeps its position, and catches up with back-off', async () => {
    const late = `${db.schema}.cdroutput_late`;
    const server = await start({ table: late, env: { THREECX_POLL_SECONDS: '3600' } });
    const poll = await server.request('POST', `${BASE}/trigger/poll`);
    expect(poll.status).toBe(503);
    expect(poll.body.error.code).toBe('CONNECTOR_UNAVAILABLE');
    const health = (await server.request('GET', `${BASE}/health`)).body.data;
    expect(health).toMatchObject({ status: 'degraded', database: { reachable: false } });
    expect(health.database.consecutiveFailures).toBeGreaterThanOrEqual(1);
    expect(health.database.lastError).toMatch(/cdroutput_late/);

    // The table appears (the PBX's database is back); the back-off retry, well before the hour, reads it.
    await db.query(`create table ${late} (like ${db.table})`);
    const history = threecxId();
    await db.query(
      `insert into ${late} (cdr_id, call_history_id, source_entity_type, source_dn_number, destination_entity_type,
        destination_participant_phone_number, cdr_started_at, cdr_answered_at, cdr_ended_at)
       values ('${threecxId()}', '${history}', 'extension', '102', 'external_line', '+12125550123',
        '2026-01-05 08:50:00+00', '2026-01-05 08:50:03+00', '2026-01-05 08:52:03+00')`,
    );
    await server.advance(30_000);
    const record = await server.request('GET', `/api/v1/calls/3cx-${history}`);
    expect(record.status).toBe(200);
    expect(record.body.data).toMatchObject({ direction: 'outbound', duration: 120 });
    expect((await server.request('GET', `${BASE}/health`)).body.data).toMatchObject({
      status: 'ok',
      database: { reachable: true, consecutiveFailures: 0, lastError: null },
    });
  });
});
