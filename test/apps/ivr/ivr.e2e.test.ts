import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { DomainEvent, DomainEventOf } from '../../../src/core/events.ts';
import {
  type BusinessApp,
  type PlainServer,
  refusingUrl,
  servePlain,
  startBusinessApp,
} from '../../support/business-app.ts';
import { startServer, type TestServer } from '../../support/server.ts';

/**
 * The IVR end to end: a real server on the virtual clock, the example flows loaded from
 * examples/flows at start, callers on the simulator pressing keys digit by digit, and a real HTTP
 * server standing in for the dispatch application. Time moves only through the simulator API; the
 * tests wait for events (never sleep), including while a real HTTP request is answered.
 */

const CALLER = '+14155550123';
const CHECKIN_LINE = '+13125550150';
const MENU_LINE = '+13125550160';

const WELCOME = 'Welcome. Enter your driver ID followed by #';
const ASK_AGAIN = 'Enter your driver ID followed by #';
const ONE_TRIP = 'You have 1 active trip. Press 1 to check in at pickup.';
const THANKS = 'Thank you. Your check-in is recorded. Goodbye.';
const UNAVAILABLE = 'Sorry, check-in is not available right now. Please contact dispatch.';

let server: TestServer | undefined;
let business: BusinessApp | undefined;
let events: DomainEvent[] = [];
const plainServers: PlainServer[] = [];
const wakers = new Set<() => void>();

afterEach(async () => {
  await server?.close({ removeData: true });
  await business?.close();
  for (const plain of plainServers.splice(0)) await plain.close();
  server = undefined;
  business = undefined;
  events = [];
  wakers.clear();
});

/**
 * A Switchboard with the example flows, pointed at `dispatchApi`, and a route to each example. The
 * stand-in business application listens on 127.0.0.1, which the outbound policy refuses unless
 * allowed, as a dispatch application on the same machine would be.
 */
async function boot(dispatchApi: string, outboundAllow = '127.0.0.1'): Promise<TestServer> {
  server = await startServer({
    env: {
      SWITCHBOARD_FLOWS_DIR: 'examples/flows',
      SWITCHBOARD_IVR_VARIABLES: JSON.stringify({ dispatchApi }),
      OUTBOUND_HTTP_ALLOW: outboundAllow,
    },
  });
  server.sb.engine.events.subscribe((event) => {
    events.push(event);
    for (const wake of [...wakers]) wake();
  });
  await ok('POST', '/api/v1/routes', {
    dialled: CHECKIN_LINE,
    destination: { kind: 'ivr', flowId: 'driver-checkin' },
  });
  await ok('POST', '/api/v1/routes', {
    dialled: MENU_LINE,
    destination: { kind: 'ivr', flowId: 'main-menu' },
  });
  // Callers stay on the line until they or the IVR hang up.
  await ok('PUT', '/api/v1/sim/profiles', { match: '+1415*', profile: { hangupAfterMs: null } });
  return server;
}

async function ok(method: string, path: string, body?: unknown) {
  const res = await server!.request(method, path, body);
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body.data;
}

/** Resolves with the first event (past or future) that matches; waits in real time, never sleeps. */
function waitFor<T extends DomainEvent = DomainEvent>(predicate: (e: DomainEvent) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const check = () => {
      const found = events.find(predicate);
      if (!found) return;
      wakers.delete(check);
      resolve(found as T);
    };
    wakers.add(check);
    check();
  });
}

/** A caller dials in and the IVR answers; answers the sim channel and the call id. */
async function dial(to: string, from = CALLER): Promise<{ channelId: string; callId: string }> {
  const { channelId } = await ok('POST', '/api/v1/sim/inbound', { from, to });
  await server!.advance(0);
  const ringing = await waitFor<DomainEventOf<'call.ringing'>>(
    (e) => e.type === 'call.ringing' && e.data.call.legs[0]?.id === channelId,
  );
  const callId = ringing.data.call.id;
  await waitFor((e) => e.type === 'ivr.started' && e.callId === callId);
  return { channelId, callId };
}

/** The caller presses keys: the first now, the others `gapMs` apart on the virtual clock. */
async function press(channelId: string, digits: string, gapMs = 300): Promise<void> {
  await ok('POST', `/api/v1/sim/channels/${channelId}/dtmf`, { digits, interDigitMs: gapMs });
}

const promptsOf = (callId: string) =>
  events
    .filter((e): e is DomainEventOf<'ivr.prompt'> => e.type === 'ivr.prompt' && e.callId === callId)
    .map((e) => e.data.text);

const inputsOf = (callId: string) =>
  events
    .filter((e): e is DomainEventOf<'ivr.input'> => e.type === 'ivr.input' && e.callId === callId)
    .map((e) => ({ result: e.data.result, digits: e.data.digits, at: Date.parse(e.timestamp) }));

/** Waits for the `n`th time the caller hears `text`. */
async function heard(callId: string, text: string, n = 1): Promise<void> {
  await new Promise<void>((resolve) => {
    const check = () => {
      if (promptsOf(callId).filter((t) => t === text).length < n) return;
      wakers.delete(check);
      resolve();
    };
    wakers.add(check);
    check();
  });
}

async function ended(callId: string): Promise<DomainEventOf<'ivr.ended'>> {
  return waitFor<DomainEventOf<'ivr.ended'>>((e) => e.type === 'ivr.ended' && e.callId === callId);
}

/** The call record once the call has ended and the IVR has written its trace. */
async function recordOf(callId: string) {
  await waitFor((e) => e.type === 'call.ended' && e.callId === callId);
  await server!.advance(0);
  return ok('GET', `/api/v1/calls/${callId}`);
}

describe('driver check-in (examples/flows/driver-checkin.yaml)', () => {
  it('checks a driver in: id, look-up, trip, check-in reported to the business application, goodbye', async () => {
    business = await startBusinessApp();
    await boot(business.url);
    const { channelId, callId } = await dial(CHECKIN_LINE);
    expect(promptsOf(callId)).toEqual([WELCOME]);

    // The driver answers while the welcome still plays; # ends the id.
    await press(channelId, '4711#');
    await server!.advance(1_500);
    await heard(callId, ONE_TRIP);
    const [lookup] = await business.waitForRequests(1);
    expect(lookup).toMatchObject({ method: 'GET', path: '/drivers/4711' });

    await press(channelId, '1');
    await heard(callId, THANKS);
    const [, checkin] = await business.waitForRequests(2);
    expect(checkin!.method).toBe('POST');
    expect(checkin!.path).toBe('/checkins');
    expect(checkin!.headers['content-type']).toBe('application/json');
    expect(checkin!.body).toEqual({
      driverId: '4711',
      tripId: 'T-100',
      event: 'pickup',
      callId,
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });

    // The goodbye plays to its end, then the IVR hangs up.
    await server!.advance(10_000);
    expect((await ended(callId)).data.outcome).toBe('hangup');
    expect(promptsOf(callId)).toEqual([WELCOME, ONE_TRIP, THANKS]);
    expect(inputsOf(callId).map(({ result, digits }) => ({ result, digits }))).toEqual([
      { result: 'digits', digits: '4711' },
      { result: 'digits', digits: '1' },
    ]);

    const record = await recordOf(callId);
    expect(record.status).toBe('ended');
    expect(record.context.ivr).toMatchObject({
      flowId: 'driver-checkin',
      version: 1,
      outcome: 'hangup',
      lastNode: 'bye',
    });
    const trace = record.context.ivr.trace as { node: string; event: string; [k: string]: unknown }[];
    expect(trace.filter((t) => t.event === 'http')).toEqual([
      expect.objectContaining({ node: 'lookup', method: 'GET', status: 200 }),
      expect.objectContaining({ node: 'checkIn', method: 'POST', status: 201 }),
    ]);
    expect(trace.filter((t) => t.event === 'enter').map((t) => t.node)).toEqual([
      'askId',
      'lookup',
      'hasTrip',
      'confirm',
      'checkIn',
      'thanks',
      'bye',
    ]);
  });

  it('says "Invalid driver ID" for an unknown id, asks again, and after three failures says to contact dispatch and hangs up', async () => {
    business = await startBusinessApp();
    await boot(business.url);
    const { channelId, callId } = await dial(CHECKIN_LINE);
    for (let strike = 1; strike <= 3; strike++) {
      await press(channelId, '999#');
      await server!.advance(1_500);
      await heard(callId, 'Invalid driver ID.', strike);
      await server!.advance(3_000);
    }
    await heard(callId, 'Please contact dispatch.');
    await server!.advance(5_000);
    expect((await ended(callId)).data.outcome).toBe('hangup');
    expect(promptsOf(callId)).toEqual([
      WELCOME,
      'Invalid driver ID.',
      ASK_AGAIN,
      'Invalid driver ID.',
      ASK_AGAIN,
      'Invalid driver ID.',
      'Please contact dispatch.',
    ]);
    expect(business.received.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /drivers/999',
      'GET /drivers/999',
      'GET /drivers/999',
    ]);
    expect((await recordOf(callId)).context.ivr.lastNode).toBe('bye');
  });

  it('times out after the question when nothing is pressed: retry prompts, then the failure branch', async () => {
    business = await startBusinessApp();
    await boot(business.url);
    const { callId } = await dial(CHECKIN_LINE);
    await server!.advance(120_000);

    expect(inputsOf(callId).map((i) => i.result)).toEqual(['no_input', 'no_input', 'no_input', 'failed']);
    expect(promptsOf(callId)).toEqual([
      WELCOME,
      'Sorry, I did not hear anything.',
      ASK_AGAIN,
      'Sorry, I did not hear anything.',
      ASK_AGAIN,
      'Please contact dispatch.',
    ]);
    // The first-digit timeout (8 s) runs from the end of the question, not from its start.
    const finished = events
      .filter((e) => e.type === 'call.playback.finished' && e.callId === callId)
      .map((e) => Date.parse(e.timestamp));
    const noInputs = inputsOf(callId).filter((i) => i.result === 'no_input');
    expect(noInputs[0]!.at - finished[0]!).toBe(8_000);
    expect(noInputs[1]!.at - finished[2]!).toBe(8_000);
    expect((await ended(callId)).data.outcome).toBe('hangup');
    expect(business.received).toEqual([]);
  });

  it('ends the id at the finish key at once, and without one after the inter-digit timeout', async () => {
    business = await startBusinessApp();
    await boot(business.url);
    const first = await dial(CHECKIN_LINE);
    const pressedAt = Date.parse((await ok('GET', '/api/v1/sim/clock')).now);
    await press(first.channelId, '4711#', 300);
    await server!.advance(1_500);
    const [done] = inputsOf(first.callId);
    expect(done).toEqual({ result: 'digits', digits: '4711', at: pressedAt + 4 * 300 });
    await heard(first.callId, ONE_TRIP);

    const second = await dial(CHECKIN_LINE, '+14155550124');
    const startedAt = Date.parse((await ok('GET', '/api/v1/sim/clock')).now);
    await press(second.channelId, '4711', 300);
    await server!.advance(900 + 3_999);
    expect(inputsOf(second.callId)).toEqual([]);
    await server!.advance(1);
    expect(inputsOf(second.callId)).toEqual([
      { result: 'digits', digits: '4711', at: startedAt + 900 + 4_000 },
    ]);
    await heard(second.callId, ONE_TRIP);
  });

  it('takes the error branch when the business application is down: the caller hears why', async () => {
    await boot(await refusingUrl());
    const { channelId, callId } = await dial(CHECKIN_LINE);
    await press(channelId, '4711#');
    await server!.advance(1_500);
    await heard(callId, UNAVAILABLE);
    const session = await ok('GET', `/api/v1/ivr/sessions/${callId}`);
    expect(session).toMatchObject({ flowId: 'driver-checkin', node: 'unavailable' });
    expect(session.variables).toMatchObject({ driverId: '4711', http_status: 0, caller: CALLER });
    expect(session.variables.dispatchApi).toBeUndefined();
    expect(session.trace).toContainEqual(
      expect.objectContaining({ node: 'lookup', event: 'http', error: 'ECONNREFUSED' }),
    );
    await server!.advance(10_000);
    expect((await ended(callId)).data.outcome).toBe('hangup');
  });

  it('gives up on a slow business application at the timeout, on the virtual clock, and says so', async () => {
    business = await startBusinessApp();
    business.slow = true;
    await boot(business.url);
    const { channelId, callId } = await dial(CHECKIN_LINE);
    await press(channelId, '4711#');
    await server!.advance(1_500); // # at 1,200 ms: the 5 s timeout runs from there
    await business.waitForRequests(1);
    await server!.advance(4_699);
    expect(promptsOf(callId)).toEqual([WELCOME]);
    await server!.advance(1);
    expect(promptsOf(callId)).toEqual([WELCOME, UNAVAILABLE]);
    await business.waitForAbort();
    const session = await ok('GET', `/api/v1/ivr/sessions/${callId}`);
    expect(session.trace).toContainEqual(
      expect.objectContaining({ node: 'lookup', event: 'http', error: 'timeout', ms: 5_000 }),
    );
  });

  it('cleans up when the caller hangs up mid-flow and keeps the trace in the call record', async () => {
    business = await startBusinessApp();
    await boot(business.url);
    const { channelId, callId } = await dial(CHECKIN_LINE);
    await press(channelId, '47');
    await server!.advance(500);
    expect((await ok('GET', '/api/v1/ivr/sessions')).map((s: { callId: string }) => s.callId)).toEqual([
      callId,
    ]);

    await ok('POST', `/api/v1/sim/channels/${channelId}/hangup`);
    await server!.advance(0);
    const end = await ended(callId);
    expect(end.data).toMatchObject({ outcome: 'caller_hangup', node: 'askId', flowId: 'driver-checkin' });
    expect(await ok('GET', '/api/v1/ivr/sessions')).toEqual([]);
    expect((await server!.request('GET', `/api/v1/ivr/sessions/${callId}`)).status).toBe(404);
    // Nothing of the session is left to fire: no timeout, no retry prompt.
    const before = events.length;
    await server!.advance(60_000);
    expect(events.slice(before).filter((e) => e.callId === callId)).toEqual([]);

    const record = await recordOf(callId);
    expect(record.status).toBe('ended');
    expect(record.context.ivr).toMatchObject({
      flowId: 'driver-checkin',
      outcome: 'caller_hangup',
      lastNode: 'askId',
    });
    expect(record.context.ivr.trace.map((t: { event: string }) => t.event)).toEqual([
      'start',
      'enter',
      'prompt',
      'hangup',
      'end',
    ]);
  });

  it('aborts the request in flight when the caller hangs up during a look-up', async () => {
    business = await startBusinessApp();
    business.slow = true;
    await boot(business.url);
    const { channelId, callId } = await dial(CHECKIN_LINE);
    await press(channelId, '4711#');
    await server!.advance(1_500);
    await business.waitForRequests(1);
    await ok('POST', `/api/v1/sim/channels/${channelId}/hangup`);
    await server!.advance(0);
    await business.waitForAbort();
    expect((await ended(callId)).data).toMatchObject({ outcome: 'caller_hangup', node: 'lookup' });
    const record = await recordOf(callId);
    expect(record.context.ivr.trace).toContainEqual(
      expect.objectContaining({ node: 'lookup', event: 'request', method: 'GET' }),
    );
  });

  it('keeps callers in the version they started in when the flow is replaced', async () => {
    business = await startBusinessApp();
    await boot(business.url);
    const early = await dial(CHECKIN_LINE);
    const v2 = readFileSync('examples/flows/driver-checkin.yaml', 'utf8').replace(
      'noInput: Sorry, I did not hear anything.',
      'noInput: Nothing was pressed.',
    );
    const uploaded = await server!.request('POST', '/api/v1/ivr/flows', v2, {
      'content-type': 'application/yaml',
    });
    expect(uploaded.status).toBe(201);
    expect(uploaded.body.data.version).toBe(2);

    const late = await dial(CHECKIN_LINE, '+14155550124');
    await server!.advance(15_000);
    expect(promptsOf(early.callId)[1]).toBe('Sorry, I did not hear anything.');
    expect(promptsOf(late.callId)[1]).toBe('Nothing was pressed.');
    const versions = events
      .filter((e): e is DomainEventOf<'ivr.started'> => e.type === 'ivr.started')
      .map((e) => [e.callId, e.data.version]);
    expect(versions).toEqual([
      [early.callId, 1],
      [late.callId, 2],
    ]);
  });
});

describe('main menu (examples/flows/main-menu.yaml)', () => {
  /** Ann takes billing, Bob support; both log in. */
  async function contactCentre() {
    await ok('POST', '/api/v1/agents', {
      id: 'ann',
      name: 'Ann',
      endpoint: 'sim/ann',
      skills: { billing: 3 },
    });
    await ok('POST', '/api/v1/agents', {
      id: 'bob',
      name: 'Bob',
      endpoint: 'sim/bob',
      skills: { support: 2 },
    });
    await ok('POST', '/api/v1/queues', {
      id: 'billing',
      name: 'Billing',
      strategy: 'skills',
      members: ['ann'],
      requiredSkills: { billing: 1 },
    });
    await ok('POST', '/api/v1/queues', {
      id: 'support',
      name: 'Support',
      strategy: 'skills',
      members: ['bob'],
      requiredSkills: { support: 1 },
    });
    for (const id of ['ann', 'bob']) await ok('POST', `/api/v1/agents/${id}/login`);
  }

  it('hands the caller to the queue of the skill chosen, and the agent there answers', async () => {
    await boot(await refusingUrl());
    await contactCentre();
    const { channelId, callId } = await dial(MENU_LINE);
    expect(promptsOf(callId)).toEqual([
      'For billing, press 1. For technical support, press 2. Pour le français, appuyez sur 9.',
    ]);
    await press(channelId, '1');
    await server!.advance(0);
    expect((await ended(callId)).data.outcome).toBe('enqueued');
    // The IVR answered the call first; this is the agent's answer.
    const answered = await waitFor((e) => e.type === 'call.offer.accepted' && e.callId === callId);
    expect(answered.agentId).toBe('ann');
    await waitFor((e) => e.type === 'call.answered' && e.callId === callId && e.agentId === 'ann');
    expect((await ok('GET', '/api/v1/agents/ann')).status.state).toBe('on_call');
    const entered = await waitFor<DomainEventOf<'queue.entered'>>(
      (e) => e.type === 'queue.entered' && e.callId === callId,
    );
    expect(entered.data).toMatchObject({ queueId: 'billing', priority: 'normal' });

    // The session is over, but its trace waits for the call's end to go into the record.
    await server!.advance(30_000);
    await ok('POST', `/api/v1/calls/${callId}/hangup`);
    const record = await recordOf(callId);
    expect(record.agentId).toBe('ann');
    expect(record.context.ivr).toMatchObject({
      flowId: 'main-menu',
      outcome: 'enqueued',
      lastNode: 'billing',
    });
    expect(record.context.ivr.trace).toContainEqual(
      expect.objectContaining({ node: 'billing', event: 'enqueue', queue: 'billing', priority: 'normal' }),
    );
  });

  it('speaks French after 9, and sends support callers to the support queue with high priority', async () => {
    await boot(await refusingUrl());
    await contactCentre();
    const { channelId, callId } = await dial(MENU_LINE);
    await press(channelId, '9');
    await server!.advance(0);
    expect(promptsOf(callId)[1]).toBe(
      'Pour la facturation, appuyez sur 1. Pour le support technique, appuyez sur 2.',
    );
    const french = events.find(
      (e) => e.type === 'ivr.prompt' && e.callId === callId && e.data.language === 'fr',
    );
    expect(french).toBeDefined();
    await press(channelId, '2');
    await server!.advance(0);
    const entered = await waitFor<DomainEventOf<'queue.entered'>>(
      (e) => e.type === 'queue.entered' && e.callId === callId,
    );
    expect(entered.data).toMatchObject({ queueId: 'support', priority: 'high' });
    expect((await waitFor((e) => e.type === 'call.offer.accepted' && e.callId === callId)).agentId).toBe(
      'bob',
    );
  });

  it('takes a message out of hours, and ends it at the finish key', async () => {
    await boot(await refusingUrl());
    await contactCentre();
    // 2026-01-05 18:30 UTC is 19:30 in Paris: the office closed at 18:00.
    await server!.advance(9.5 * 3_600_000);
    const { channelId, callId } = await dial(MENU_LINE);
    expect(promptsOf(callId)[0]).toMatch(/^We are closed\./);
    await server!.advance(10_000);
    const started = await waitFor<DomainEventOf<'ivr.node'>>(
      (e) => e.type === 'ivr.node' && e.callId === callId && e.data.node === 'voicemail',
    );
    expect(started.data.kind).toBe('record');
    await server!.advance(20_000);
    await press(channelId, '#');
    await server!.advance(0);
    const recorded = await waitFor<DomainEventOf<'call.recording.finished'>>(
      (e) => e.type === 'call.recording.finished' && e.callId === callId,
    );
    expect(recorded.data.durationMs).toBeGreaterThanOrEqual(20_000);
    await heard(callId, 'Thank you for calling. Goodbye.');
    await server!.advance(5_000);
    expect((await ended(callId)).data.outcome).toBe('hangup');
    const trace = (await recordOf(callId)).context.ivr.trace;
    expect(trace).toContainEqual(
      expect.objectContaining({
        node: 'voicemail',
        event: 'recorded',
        recordingId: recorded.data.recordingId,
      }),
    );
  });

  it('jumps into another flow with goto and transfers the caller to a number', async () => {
    await boot(await refusingUrl());
    const front = {
      id: 'front-desk',
      start: 'hello',
      nodes: {
        hello: { kind: 'say', text: 'Connecting you to the depot.', next: 'onward' },
        onward: { kind: 'goto', flow: 'depot' },
      },
    };
    const depot = {
      id: 'depot',
      variables: { depotPhone: '+12125550111' },
      start: 'dial',
      nodes: { dial: { kind: 'transfer', to: '{{ depotPhone }}' } },
    };
    for (const flow of [front, depot])
      expect((await server!.request('POST', '/api/v1/ivr/flows', flow)).status).toBe(201);
    await ok('POST', '/api/v1/routes', {
      dialled: '+13125550180',
      destination: { kind: 'ivr', flowId: 'front-desk' },
    });
    const { callId } = await dial('+13125550180');
    await server!.advance(5_000);
    const transferring = await waitFor<DomainEventOf<'call.transferring'>>(
      (e) => e.type === 'call.transferring' && e.callId === callId,
    );
    expect(transferring.data.transferTo).toBe('+12125550111');
    const end = await ended(callId);
    expect(end.data).toMatchObject({ outcome: 'transferred', flowId: 'depot', node: 'dial' });
    await server!.advance(5_000);
    await ok('POST', `/api/v1/calls/${callId}/hangup`);
    const record = await recordOf(callId);
    expect(record.context.ivr).toMatchObject({
      flowId: 'front-desk',
      outcome: 'transferred',
      lastNode: 'dial',
    });
    expect(record.context.ivr.trace).toContainEqual(
      expect.objectContaining({ node: 'onward', event: 'goto', flow: 'depot', version: 1 }),
    );
    expect(record.context.ivr.trace).toContainEqual(
      expect.objectContaining({ node: 'dial', event: 'transfer', to: '+12125550111' }),
    );
  });

  it('refuses a call routed to a flow that does not exist', async () => {
    await boot(await refusingUrl());
    await ok('POST', '/api/v1/routes', {
      dialled: '+13125550170',
      destination: { kind: 'ivr', flowId: 'nope' },
    });
    const { channelId } = await ok('POST', '/api/v1/sim/inbound', { from: CALLER, to: '+13125550170' });
    await server!.advance(0);
    const ended = await waitFor<DomainEventOf<'call.failed'>>(
      (e) => (e.type === 'call.failed' || e.type === 'call.ended') && e.data.call.legs[0]?.id === channelId,
    );
    expect(ended.data.call.endReason).toBe('rejected');
  });
});

describe('outbound-host policy on http nodes', () => {
  /** What a local service that must stay private would answer; read out, it would be a leak. */
  const SECRET_TRIPS = 314159;
  const secretService = async () => {
    const secret = await servePlain('127.0.0.1', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name: 'Root', activeTrips: SECRET_TRIPS, trips: [{ id: 'T-SECRET' }] }));
    });
    plainServers.push(secret);
    return secret;
  };

  it('takes the error branch for 127.0.0.1 when it is not allowed, and sends it nothing', async () => {
    business = await startBusinessApp();
    await boot(business.url, '');
    const { channelId, callId } = await dial(CHECKIN_LINE);
    await press(channelId, '4711#');
    await server!.advance(1_500);
    await heard(callId, UNAVAILABLE);
    expect(business.received).toEqual([]);
    const session = await ok('GET', `/api/v1/ivr/sessions/${callId}`);
    expect(session.trace).toContainEqual(
      expect.objectContaining({
        node: 'lookup',
        event: 'http',
        error: 'refused: 127.0.0.1 is a loopback address; OUTBOUND_HTTP_ALLOW can allow it',
      }),
    );
  });

  it('refuses a redirect from an allowed host to a denied one: the secret is never fetched nor heard', async () => {
    const secret = await secretService();
    const redirector = await servePlain('127.0.0.2', (req, res) => {
      res.writeHead(302, { location: `${secret.url}${req.url}` });
      res.end();
    });
    plainServers.push(redirector);
    await boot(`${redirector.url}/switchboard`, '127.0.0.2');
    const { channelId, callId } = await dial(CHECKIN_LINE);
    await press(channelId, '4711#');
    await server!.advance(1_500);
    await heard(callId, UNAVAILABLE);
    expect(redirector.hits.map((h) => h.line)).toEqual(['GET /switchboard/drivers/4711']);
    expect(secret.hits).toEqual([]);
    const session = await ok('GET', `/api/v1/ivr/sessions/${callId}`);
    expect(session.trace).toContainEqual(
      expect.objectContaining({
        node: 'lookup',
        error: expect.stringMatching(/^refused: 127\.0\.0\.1 is a loopback/),
      }),
    );
    expect(JSON.stringify(events)).not.toContain(String(SECRET_TRIPS));
    expect(JSON.stringify(session)).not.toContain(String(SECRET_TRIPS));
  });
});
