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

beforeAll(async () => {
  server = await startServer();
  const plain = createClient({ baseUrl: server.url });
  // The same client, remembering which operations ran.
  client = {
    ...plain,
    api: new Proxy(plain.api, {
      get: (target, name: OperationId) => {
        called.add(name);
        return target[name];
      },
    }),
  };
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
