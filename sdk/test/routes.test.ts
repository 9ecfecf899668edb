import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../test/support/server.ts';
import {
  createClient,
  isApiError,
  OPERATIONS,
  type OperationId,
  type SwitchboardClient,
} from '../src/index.ts';
import { createTestKit, type TestKit } from '../src/testing.ts';

/**
 * Every route of the API, called once through the SDK against a real server on the virtual clock, in
 * the order a site would use them. The last test fails when a route exists that no test here calls.
 */

let server: TestServer;
let client: SwitchboardClient;
let kit: TestKit;
const called = new Set<OperationId>();

/** A client for `url` (with `apiKey`) that remembers which operations ran. */
function trackedClient(url: string, apiKey?: string): SwitchboardClient {
  const plain = createClient({ baseUrl: url, ...(apiKey && { apiKey }) });
  return {
    ...plain,
    api: new Proxy(plain.api, {
      get: (target, name: OperationId) => {
        called.add(name);
        return target[name];
      },
    }),
  };
}

/** The error a call refused with (fails the test when it succeeded). */
async function refusal(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => expect.unreachable(`expected a refusal, got ${JSON.stringify(value)}`),
    (error: unknown) => error,
  );
}

beforeAll(async () => {
  // Webhook targets on loopback are allowed so a subscription needs no name resolution.
  server = await startServer({ env: { OUTBOUND_HTTP_ALLOW: '127.0.0.1' } });
  client = trackedClient(server.url);
  kit = await createTestKit(client);
});
afterAll(async () => {
  kit?.close();
  await server?.close({ removeData: true });
});

const DRIVER = '+13125550142';

describe('every route through the SDK', () => {
  it('health, metrics and the telephony check', async () => {
    const { api } = client;
    expect(await api.health()).toMatchObject({ status: 'ok', driver: 'simulator' });
    expect(await api.metrics()).toContain('switchboard_live_calls');
    expect(await api.checkTelephony()).toMatchObject({ driver: 'simulator' });
    expect((await api.getSimClock()).virtual).toBe(true);
  });

  it('simulator profiles and phones', async () => {
    const { api } = client;
    await api.putSimProfile({
      body: { match: '+1312555*', profile: { answerAfterMs: 1000, hangupAfterMs: null } },
    });
    await api.putSimProfile({ body: { match: '+1999*', profile: { outcome: 'busy' } } });
    expect((await api.listSimProfiles()).map((r) => r.match)).toContain('+1312555*');
    expect(await api.deleteSimProfile({ query: { match: '+1999*' } })).toEqual({ removed: true });
    await api.unregisterSimPhone({ path: { endpoint: 'sim/dave' } });
    await api.registerSimPhone({ path: { endpoint: 'sim/dave' } });
  });

  it('agents', async () => {
    const { api } = client;
    await api.createAgent({
      body: { id: 'alice', name: 'Alice', endpoint: 'sim/alice', roles: ['dispatcher'] },
    });
    await api.createAgent({ body: { id: 'bob', name: 'Bob', endpoint: 'sim/bob' } });
    await api.createAgent({
      body: { id: 'carol', name: 'Carol', endpoint: 'sim/carol', roles: ['supervisor'] },
    });
    await api.createAgent({ body: { id: 'temp', name: 'Temp', endpoint: 'sim/temp' } });
    expect((await api.getAgent({ path: { agentId: 'alice' } })).name).toBe('Alice');
    await api.replaceAgent({ path: { agentId: 'bob' }, body: { name: 'Bob B.', endpoint: 'sim/bob' } });
    expect((await api.updateAgent({ path: { agentId: 'bob' }, body: { name: 'Bob' } })).name).toBe('Bob');
    expect((await api.listAgents()).map((a) => a.id)).toEqual(
      expect.arrayContaining(['alice', 'bob', 'carol']),
    );
    for (const agentId of ['alice', 'bob', 'carol']) await api.loginAgent({ path: { agentId } });
    expect((await api.pauseAgent({ path: { agentId: 'bob' }, body: { reason: 'lunch' } })).status.state).toBe(
      'away',
    );
    await api.unpauseAgent({ path: { agentId: 'bob' } });
    expect((await api.listAgentStates({ path: { agentId: 'bob' } })).length).toBeGreaterThan(0);
    await api.deleteAgent({ path: { agentId: 'temp' } });
  });

  it('queues and routes', async () => {
    const { api } = client;
    await api.createQueue({
      body: { id: 'dispatch', name: 'Dispatch', strategy: 'longest_idle', members: ['alice'] },
    });
    await api.createQueue({ body: { id: 'spare', name: 'Spare', strategy: 'ring_all' } });
    await api.replaceQueue({
      path: { queueId: 'dispatch' },
      body: { name: 'Dispatch', strategy: 'longest_idle', members: ['alice', 'bob'] },
    });
    await api.updateQueue({ path: { queueId: 'dispatch' }, body: { wrapUpMs: 0 } });
    expect((await api.getQueue({ path: { queueId: 'dispatch' } })).members).toEqual(['alice', 'bob']);
    expect((await api.listQueues()).map((q) => q.id)).toContain('dispatch');
    expect(await api.getQueueStats({ path: { queueId: 'dispatch' } })).toMatchObject({ waiting: 0 });
    expect(await api.listQueueCalls({ path: { queueId: 'dispatch' } })).toEqual([]);
    await api.deleteQueue({ path: { queueId: 'spare' } });

    const route = await api.createRoute({
      body: { id: 'line', dialled: '+13125550199', destination: { kind: 'queue', queueId: 'dispatch' } },
    });
    await api.replaceRoute({
      path: { routeId: route.id },
      body: { dialled: '+13125550199', destination: { kind: 'queue', queueId: 'dispatch' } },
    });
    expect((await api.getRoute({ path: { routeId: 'line' } })).dialled).toBe('+13125550199');
    expect((await api.listRoutes()).map((r) => r.id)).toContain('line');
    await api.createRoute({ body: { id: 'gone', dialled: '+13125550000', destination: { kind: 'app' } } });
    await api.deleteRoute({ path: { routeId: 'gone' } });
  });

  it('a click-to-dial call: hold, DTMF, recording, a conference party, a supervisor, transfers, hang-up', async () => {
    const { api } = client;
    const call = await api.originateCall({ body: { from: 'alice', to: DRIVER }, idempotencyKey: 'dial-1' });
    await kit.advanceClock(1000);
    await kit.waitFor('call.answered', (e) => e.callId === call.id);
    expect((await api.getCall({ path: { callId: call.id } })).status).toBe('answered');
    expect((await api.listCalls({ query: { status: 'answered' } })).items.map((c) => c.id)).toContain(
      call.id,
    );
    await api.holdCall({ path: { callId: call.id } });
    await api.unholdCall({ path: { callId: call.id } });
    await api.sendCallDtmf({ path: { callId: call.id }, body: { digits: '12#' } });

    const started = await api.recordCall({ path: { callId: call.id }, body: { action: 'start' } });
    await kit.advanceClock(2000);
    await api.recordCall({ path: { callId: call.id }, body: { action: 'stop' } });
    const [recording] = await api.listRecordings({ query: { callId: call.id } });
    expect(recording?.id).toBeDefined();
    expect(started).toBeDefined();
    await kit.waitFor('recording.stored', (e) => e.callId === call.id);
    const wav = await api.downloadRecording({ path: { recordingId: recording!.id } });
    expect(new TextDecoder().decode(wav.slice(0, 4))).toBe('RIFF');

    const added = await api.addCallParticipant({ path: { callId: call.id }, body: { to: '+13125550143' } });
    await kit.advanceClock(1000);
    const participantId = added.participant.id;
    await api.muteCallParticipant({ path: { callId: call.id, participantId } });
    await api.unmuteCallParticipant({ path: { callId: call.id, participantId } });
    await api.removeCallParticipant({ path: { callId: call.id, participantId } });

    await api.monitorCall({ path: { callId: call.id }, body: { supervisorId: 'carol', mode: 'listen' } });
    await api.endCallMonitor({ path: { callId: call.id } });

    await api.transferCall({ path: { callId: call.id }, body: { to: '+13125550144', mode: 'attended' } });
    await api.cancelCallTransfer({ path: { callId: call.id } });
    await api.transferCall({ path: { callId: call.id }, body: { to: '+13125550145', mode: 'attended' } });
    await kit.advanceClock(1000);
    await kit.waitFor('call.transfer.answered', (e) => e.callId === call.id);
    await api.completeCallTransfer({ path: { callId: call.id } });
    await api.hangupCall({ path: { callId: call.id } });
    await kit.waitFor('call.ended', (e) => e.callId === call.id);
  });

  it('the mock-CTI routes', async () => {
    const { api } = client;
    const call = await api.ctiCall({ body: { from: 'alice', to: DRIVER } });
    expect(call.status).toBe('ringing');
    await kit.advanceClock(1000);
    expect((await api.ctiStatus({ query: { callId: call.callId } })).status).toBe('answered');
    expect((await api.ctiTransfer({ body: { callId: call.callId, to: '+13125550146' } })).status).toBe(
      'transferring',
    );
    await kit.advanceClock(1000);
    await api.ctiHangup({ body: { callId: call.callId } });
  });

  it('inbound calls, acting as the remote party, queues', async () => {
    const { api } = client;
    await api.putSimProfile({ body: { match: 'sim/*', profile: { answerAfterMs: null } } });
    const caller = await kit.placeInbound({ from: '+14155550123', to: '+13125550199' });
    const offered = await kit.waitFor('call.offered', (e) => e.data.call.from === '+14155550123');
    const agentPhone = await kit.party(
      (await api.getAgent({ path: { agentId: offered.data.agentId } })).endpoint,
    );
    await agentPhone.answer();
    await kit.waitFor('call.answered', (e) => e.callId === offered.callId);
    expect((await api.listSimChannels()).map((c) => c.id)).toContain(caller.channelId);
    await caller.hold();
    await caller.unhold();
    await caller.dtmf('5');
    await kit.waitFor('call.dtmf', (e) => e.callId === offered.callId && e.data.digit === '5');
    await caller.hangup();
    await kit.waitFor('call.ended', (e) => e.callId === offered.callId);

    // A call nobody routes rings at the server until it answers; then it joins a queue by hand.
    const unrouted = await kit.placeInbound({ from: '+14155550124', to: '+13125559999' });
    const ringing = await kit.waitFor('call.ringing', (e) => e.data.call.from === '+14155550124');
    await api.answerCall({ path: { callId: ringing.callId! } });
    await api.enqueueCall({ path: { queueId: 'dispatch' }, body: { callId: ringing.callId! } });
    await unrouted.hangup();

    const rejected = await kit.placeInbound({ from: '+14155550125', to: '+13125550199' });
    const offer = await kit.waitFor('call.offered', (e) => e.data.call.from === '+14155550125');
    const phone = await kit.party((await api.getAgent({ path: { agentId: offer.data.agentId } })).endpoint);
    await phone.reject('busy');
    await rejected.hangup();
    await api.deleteSimProfile({ query: { match: 'sim/*' } });
  });

  it('emergencies and notifications', async () => {
    const { api } = client;
    const panic = { driverId: '42', driverPhone: DRIVER, location: { lat: 41.88, lng: -87.63 } };
    const raised = await api.raiseEmergency({ body: panic });
    const cti = await api.ctiEmergency({ body: { ...panic, driverId: '43', driverPhone: '+13125550147' } });
    expect(cti.status).toBe('raised');
    expect((await api.getEmergency({ path: { emergencyId: raised.id } })).emergency.driverId).toBe('42');
    expect((await api.listEmergencies()).length).toBeGreaterThanOrEqual(2);
    expect(Array.isArray(await api.listNotifications())).toBe(true);
  });

  it('IVR flows and sessions', async () => {
    const { api } = client;
    const flow = {
      id: 'menu',
      name: 'Menu',
      start: 'ask',
      nodes: { ask: { kind: 'menu', prompt: 'Press 1.', options: { 1: 'bye' } }, bye: { kind: 'hangup' } },
    };
    expect(await api.validateIvrFlow({ body: flow })).toMatchObject({ valid: true });
    expect((await api.uploadIvrFlow({ body: flow })).created).toBe(true);
    expect((await api.listIvrFlows()).map((f) => f.id)).toContain('menu');
    const stored = await api.getIvrFlow({ path: { flowId: 'menu' } });
    expect((await api.listIvrFlowVersions({ path: { flowId: 'menu' } })).length).toBe(1);
    expect((await api.getIvrFlowVersion({ path: { flowId: 'menu', version: stored.version } })).id).toBe(
      'menu',
    );
    await api.createRoute({
      body: { id: 'ivr', dialled: '+13125550100', destination: { kind: 'ivr', flowId: 'menu' } },
    });
    const caller = await kit.placeInbound({ from: '+14155550126', to: '+13125550100' });
    const started = await kit.waitFor('ivr.started');
    expect((await api.listIvrSessions()).map((s) => s.callId)).toContain(started.callId);
    expect((await api.getIvrSession({ path: { callId: started.callId! } })).flowId).toBe('menu');
    await caller.hangup();
  });

  it('readiness, the call log and its export', async () => {
    const { api } = client;
    expect(await api.ready()).toMatchObject({ status: 'ready' });
    const [ended] = (await api.listCalls({ query: { status: 'ended' } })).items;
    expect(ended).toBeDefined();
    const events = await api.listCallEvents({ path: { callId: ended!.id } });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['call.ended']));
    expect(events.every((e) => e.callId === ended!.id)).toBe(true);
    const csv = await api.exportCalls({ query: { status: 'ended' } });
    expect(csv.split('\n')[0]).toContain('id');
    expect(csv).toContain(ended!.id);
  });

  it('outbound calls: now, in bulk, scheduled; their retries, stats and cancelling', async () => {
    const { api } = client;
    // The agent's phone rings first and is left ringing, so every call here can still be cancelled.
    await api.putSimProfile({ body: { match: 'sim/alice', profile: { answerAfterMs: null } } });
    const now = await api.placeOutboundCall({
      body: { phoneNumber: '+13125550150', agentId: 'alice', priority: 'high' },
      idempotencyKey: 'outbound-1',
    });
    expect(now.status).toBe('initiated');
    expect((await api.getOutboundCall({ path: { callLogId: now.callLogId } })).agentId).toBe('alice');
    expect((await api.cancelCallLog({ path: { callLogId: now.callLogId } })).status).toBe('canceled');

    const bulk = await api.placeBulkOutboundCalls({
      body: { calls: [{ phoneNumber: '+13125550151', agentId: 'alice' }, { phoneNumber: 'nope' }] },
    });
    expect(bulk).toMatchObject({ total: 2, successful: 1, failed: 1, errors: [{ index: 1 }] });
    expect((await api.outboundStats()).maxConcurrentCalls).toBeGreaterThan(0);
    await api.cancelOutboundCall({ path: { callLogId: bulk.callLogIds[0]! } });

    const later = await api.scheduleOutboundCall({
      body: {
        phoneNumber: '+13125550152',
        agentId: 'alice',
        scheduledFor: '2030-01-07T10:00:00',
        timezone: 'America/Chicago',
      },
    });
    expect(later).toMatchObject({ status: 'scheduled', scheduledFor: '2030-01-07T16:00:00.000Z' });
    expect(await api.getOutboundRetries({ path: { callLogId: later.callLogId } })).toMatchObject({
      totalRetries: 0,
      retries: [],
    });
    await api.cancelOutboundCall({ path: { callLogId: later.callLogId } });
    const again = await refusal(api.cancelOutboundCall({ path: { callLogId: later.callLogId } }));
    expect(isApiError(again, 'INVALID_STATE')).toBe(true);
    await api.deleteSimProfile({ query: { match: 'sim/alice' } });
  });

  it('campaigns, their contacts and the do-not-call list', async () => {
    const { api } = client;
    // A queue nobody is logged in to: the campaign runs but dials nobody.
    await api.createQueue({ body: { id: 'outreach', name: 'Outreach', strategy: 'ring_all' } });
    const settings = {
      name: 'Renewals',
      mode: 'preview',
      queueId: 'outreach',
      callingHours: { start: '08:00', end: '21:00' },
      timezone: 'America/Chicago',
    } as const;
    const campaign = await api.createCampaign({ body: settings });
    const imported = await api.importCampaignContacts({
      path: { id: campaign.id },
      body: { contacts: [{ phoneNumber: '+13125550160', name: 'Ann' }, { phoneNumber: '12' }] },
    });
    expect(imported).toMatchObject({ total: 2, imported: 1, rejected: 1 });
    const [contact] = (await api.listCampaignContacts({ path: { id: campaign.id } })).items;
    expect(contact?.phoneNumber).toBe('+13125550160');
    const notOffered = await refusal(
      api.skipCampaignContact({ path: { id: campaign.id, contactId: contact!.id } }),
    );
    expect(isApiError(notOffered, 'INVALID_STATE')).toBe(true);
    expect(
      (await api.updateCampaign({ path: { id: campaign.id }, body: { ...settings, name: 'Renewals 2030' } }))
        .name,
    ).toBe('Renewals 2030');
    expect((await api.getCampaign({ path: { id: campaign.id } })).name).toBe('Renewals 2030');
    expect((await api.listCampaigns()).map((c) => c.id)).toContain(campaign.id);
    expect((await api.startCampaign({ path: { id: campaign.id } })).state).toBe('running');
    expect((await api.pauseCampaign({ path: { id: campaign.id } })).state).toBe('paused');
    expect((await api.resumeCampaign({ path: { id: campaign.id } })).state).toBe('running');
    expect(await api.getCampaignStats({ path: { id: campaign.id } })).toBeDefined();
    expect((await api.stopCampaign({ path: { id: campaign.id } })).state).toBe('stopped');

    await api.addDncNumbers({ body: { numbers: [{ phoneNumber: '+13125550161', reason: 'asked' }] } });
    expect((await api.listDncNumbers()).items.map((n) => n.phoneNumber)).toContain('+13125550161');
    await api.removeDncNumber({ path: { phoneNumber: '+13125550161' } });
    expect((await api.listDncNumbers()).items).toEqual([]);
  });

  it('webhooks and their deliveries', async () => {
    const { api } = client;
    const hook = await api.createWebhook({
      body: { url: 'http://127.0.0.1:9/hook', events: ['call.ended'], active: false },
    });
    expect(hook.secret).toMatch(/^whsec_/);
    expect((await api.getWebhook({ path: { webhookId: hook.id } })).url).toBe('http://127.0.0.1:9/hook');
    expect((await api.listWebhooks()).map((w) => w.id)).toEqual([hook.id]);
    const updated = await api.updateWebhook({ path: { webhookId: hook.id }, body: { events: ['call.*'] } });
    expect(updated.events).toEqual(['call.*']);
    expect(await api.listWebhookDeliveries({ path: { webhookId: hook.id } })).toEqual([]);
    const missing = await refusal(
      api.getWebhookDelivery({ path: { webhookId: hook.id, deliveryId: 'nope' } }),
    );
    expect(isApiError(missing, 'DELIVERY_NOT_FOUND')).toBe(true);
    expect(await api.redeliverWebhook({ path: { webhookId: hook.id }, body: {} })).toEqual({
      redelivered: 0,
    });
    await api.deleteWebhook({ path: { webhookId: hook.id } });
  });

  it('agent sessions, API keys and the audit log (on a server of its own: the first key closes it)', async () => {
    const own = await startServer();
    try {
      const { api } = trackedClient(own.url);
      await api.createAgent({ body: { id: 'dana', name: 'Dana', endpoint: 'sim/dana' } });
      const admin = await api.createKey({ body: { name: 'ops', role: 'admin' } });
      const asAdmin = trackedClient(own.url, admin.key).api;
      const crm = await asAdmin.createKey({ body: { name: 'CRM', role: 'integration' } });
      expect((await asAdmin.listKeys()).map((k) => k.name).sort()).toEqual(['CRM', 'ops']);
      expect((await asAdmin.revokeKey({ path: { keyId: crm.id } })).revokedAt).toBeDefined();

      // A session is what an agent's console logs in with; it acts as that agent's key.
      const password = 'correct horse battery';
      await asAdmin.setAgentPassword({ path: { agentId: 'dana' }, body: { password } });
      const session = await api.login({ body: { agentId: 'dana', password } });
      expect(session.agentId).toBe('dana');
      const refreshed = await trackedClient(own.url, session.token).api.refreshSession();
      const asDana = trackedClient(own.url, refreshed.token).api;
      expect((await asDana.getAgent({ path: { agentId: 'dana' } })).id).toBe('dana');
      await asDana.logout();
      const loggedOut = await refusal(asDana.getAgent({ path: { agentId: 'dana' } }));
      expect(isApiError(loggedOut, 'UNAUTHORIZED')).toBe(true);

      const actions = (await asAdmin.listAudit({ query: { topic: 'security' } })).map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['key.created', 'key.revoked']));
      const anonymous = await refusal(api.listKeys());
      expect(isApiError(anonymous, 'UNAUTHORIZED')).toBe(true);
    } finally {
      await own.close({ removeData: true });
    }
  });

  it('the event log, the clock and a reset', async () => {
    const { api } = client;
    const events = await api.listEvents({ query: { after: 0, limit: 5 } });
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    await api.advanceSimClock({ body: { ms: 1000 } });
    await api.resetSim();
    await api.logoutAgent({ path: { agentId: 'carol' } });
  });

  it('called every operation of the API', () => {
    expect(Object.keys(OPERATIONS).filter((id) => !called.has(id as OperationId))).toEqual([]);
  });
});

describe('errors', () => {
  it("an answer that is not Switchboard's (a proxy's error page) is still a SwitchboardApiError", async () => {
    const proxy: typeof fetch = async () =>
      new Response('<html>502 Bad Gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } });
    const { api } = createClient({ baseUrl: 'http://switchboard.example', fetch: proxy });
    const error = await api.listCalls().catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 502,
      code: 'API_UNAVAILABLE',
      message: 'HTTP 502: <html>502 Bad Gateway</html>',
    });
  });

  it('waitFor gives up after its timeout and says which events came', async () => {
    const error = await kit
      .waitFor('call.answered', (e) => e.callId === 'nope', { timeout: 50 })
      .catch((e: unknown) => e);
    expect(String(error)).toMatch(
      /waitFor\(call.answered\): no matching event within 50 ms \(received: .*call\.ended/,
    );
  });

  it('a refusal is a SwitchboardApiError with the catalogue code, from /api/v1 and /api/cti alike', async () => {
    const { api } = createClient({ baseUrl: server.url });
    const missing = await api.getCall({ path: { callId: 'nope' } }).catch((e: unknown) => e);
    expect(isApiError(missing, 'CALL_NOT_FOUND')).toBe(true);
    expect(missing).toMatchObject({ status: 404, code: 'CALL_NOT_FOUND' });
    const cti = await api.ctiHangup({ body: { callId: 'nope' } }).catch((e: unknown) => e);
    expect(cti).toMatchObject({ status: 404, code: 'CALL_NOT_FOUND' });
    const invalid = await api.originateCall({ body: { to: 'not a number!' } }).catch((e: unknown) => e);
    expect(isApiError(invalid, 'INVALID_PHONE_NUMBER', 'VALIDATION_ERROR')).toBe(true);
  });
});
