import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../src/core/events.ts';
import { connectEvents, type EventClient, startServer, type TestServer } from './support/server.ts';

/**
 * The dispatch scenario through HTTP, Socket.io and the virtual clock: dispatcher Alice
 * (dispatcher-001) talks to driver John and transfers him, attended, to dispatcher Bob (dispatcher-002).
 */

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

const JOHN = '+13125550142';
const ALICE = 'dispatcher-001';
const BOB = 'dispatcher-002';
const ALICE_DESK = 'sim/dispatcher-001-desk';
const BOB_DESK = 'sim/dispatcher-002-desk';

async function ok(method: string, path: string, body?: unknown) {
  const res = await server.request(method, path, body);
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
}

const call = async (callId: string) => (await ok('GET', `/api/v1/calls/${callId}`)).data;
const stateOf = async (agentId: string): Promise<string> =>
  (await ok('GET', `/api/v1/agents/${agentId}`)).data.status.state;

interface SimChannel {
  readonly id: string;
  readonly address: string;
  readonly held: boolean;
  readonly bridgeId?: string;
}

/** The simulator's channel of a party: held or not, and the bridge it sits in (who hears whom). */
async function channelOf(address: string): Promise<SimChannel> {
  const channels = (await ok('GET', '/api/v1/sim/channels')).data as SimChannel[];
  const found = channels.filter((c) => c.address === address).at(-1);
  if (!found) throw new Error(`no live channel to ${address}`);
  return found;
}

const agentStates = (agentId: string) =>
  client.events
    .filter((e: DomainEvent) => e.type === 'agent.state' && e.agentId === agentId)
    .map((e) => (e.data as { agent: { status: { state: string } } }).agent.status.state);

const callEvents = (callId: string) =>
  client.events
    .filter((e) => e.callId === callId && e.type.startsWith('call.') && e.type !== 'call.leg.ringing')
    .map((e) => e.type);

/** Alice and Bob logged in; Bob's desk phone rings `bobAnswersAfterMs` (null: never answers). */
async function dispatchers(bobAnswersAfterMs: number | null = 2_000) {
  for (const [id, name] of [
    [ALICE, 'Alice'],
    [BOB, 'Bob'],
  ] as const) {
    await ok('POST', '/api/v1/agents', {
      id,
      name,
      endpoint: `sim/${id}-desk`,
      roles: ['dispatcher'],
    });
    await ok('POST', `/api/v1/agents/${id}/login`);
  }
  await ok('PUT', '/api/v1/sim/profiles', { match: JOHN, profile: { hangupAfterMs: null } });
  await ok('PUT', '/api/v1/sim/profiles', {
    match: BOB_DESK,
    profile: { answerAfterMs: bobAnswersAfterMs, hangupAfterMs: null },
  });
}

/** Alice click-to-dials John about truck TX-12; he answers after 3 s. */
async function aliceCallsJohn(): Promise<string> {
  const placed = await ok('POST', '/api/v1/calls', {
    from: ALICE,
    to: JOHN,
    context: { driver: 'John', truck: 'TX-12' },
  });
  await server.advance(3_000);
  expect((await call(placed.data.id)).status).toBe('answered');
  return placed.data.id;
}

/** Alice starts the attended transfer to Bob; John is on hold, Bob's phone rings. */
async function transferToBob(callId: string) {
  const res = await server.request('POST', `/api/v1/calls/${callId}/transfer`, { to: BOB, mode: 'attended' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data;
}

/** Alice and John talk again: the call is answered, John off hold and in one bridge with Alice. */
async function aliceBackWithJohn(callId: string) {
  const [john, alice] = [await channelOf(JOHN), await channelOf(ALICE_DESK)];
  expect(john.held).toBe(false);
  expect(john.bridgeId).toBe(`${callId}-bridge`);
  expect(alice.bridgeId).toBe(`${callId}-bridge`);
  expect(await stateOf(ALICE)).toBe('on_call');
  const live = await call(callId);
  expect(live).toMatchObject({ status: 'answered', agentId: ALICE });
  return live;
}

describe('attended transfer: Alice transfers John to Bob', () => {
  it('holds John, offers Bob the call with its context, lets Alice and Bob talk, then connects John with Bob', async () => {
    await dispatchers();
    const callId = await aliceCallsJohn();

    const transferring = await transferToBob(callId);
    expect(transferring).toMatchObject({
      status: 'transferring',
      transferTo: BOB,
      transfers: [{ kind: 'attended', status: 'ringing', to: BOB, agentId: BOB, from: ALICE }],
    });
    // Bob's console hears of it: an incoming transfer from Alice, with John and the truck.
    const offered = await client.waitFor((e) => e.type === 'call.offered' && e.agentId === BOB);
    expect(offered).toMatchObject({
      callId,
      data: {
        agentId: BOB,
        transfer: { kind: 'attended', from: ALICE, caller: JOHN },
        call: { status: 'transferring', context: { driver: 'John', truck: 'TX-12' } },
      },
    });
    expect(await stateOf(BOB)).toBe('reserved');
    // John hears music on hold in the main bridge; Alice waits for Bob apart from him.
    const john = await channelOf(JOHN);
    expect(john).toMatchObject({ held: true, bridgeId: `${callId}-bridge` });
    expect((await channelOf(ALICE_DESK)).bridgeId).toBe(`${callId}-consultation-2`);

    await server.advance(2_000); // Bob answers
    await client.waitFor((e) => e.type === 'call.transfer.answered' && e.callId === callId);
    expect(await stateOf(BOB)).toBe('on_call');
    expect(await stateOf(ALICE)).toBe('on_call');
    const bobDesk = await channelOf(BOB_DESK);
    expect(bobDesk.bridgeId).toBe(`${callId}-consultation-2`);
    expect((await channelOf(JOHN)).held).toBe(true);
    expect((await call(callId)).transfers).toMatchObject([{ status: 'consulting' }]);

    const completed = await server.request('POST', `/api/v1/calls/${callId}/transfer/complete`);
    expect(completed.status).toBe(200);
    expect(completed.body.data).toMatchObject({ status: 'answered', agentId: BOB });
    await client.waitFor((e) => e.type === 'call.transferred' && e.callId === callId);
    // John with Bob; Alice's leg ended and she went to wrap-up.
    expect(await channelOf(JOHN)).toMatchObject({ held: false, bridgeId: `${callId}-bridge` });
    expect((await channelOf(BOB_DESK)).bridgeId).toBe(`${callId}-bridge`);
    // Her second state about no call (the first was her log-in): free again after the wrap-up.
    await client.waitForCount(
      (e) => e.type === 'agent.state' && e.agentId === ALICE && e.callId === undefined,
      2,
    );
    expect(agentStates(ALICE)).toEqual(['available', 'on_call', 'wrap_up', 'available']);

    await ok('POST', `/api/v1/calls/${callId}/hangup`);
    await server.advance(0);
    expect(agentStates(BOB)).toEqual(['available', 'reserved', 'on_call', 'wrap_up', 'available']);
    expect(callEvents(callId)).toEqual([
      'call.ringing',
      'call.answered',
      'call.transferring',
      'call.offered',
      'call.offer.accepted',
      'call.transfer.answered',
      'call.transferred',
      'call.ended',
    ]);
    const record = await call(callId);
    expect(record).toMatchObject({
      status: 'ended',
      agentId: BOB,
      transferTo: BOB,
      transfers: [
        {
          kind: 'attended',
          status: 'completed',
          to: BOB,
          agentId: BOB,
          from: ALICE,
          answeredAt: expect.any(String),
          endedAt: expect.any(String),
        },
      ],
    });
    expect(record.legs.find((l: { address: string }) => l.address === ALICE_DESK)).toMatchObject({
      status: 'ended',
      endReason: 'transferred',
    });
    expect(record.bridges.map((b: { kind: string }) => b.kind)).toEqual(['main', 'consultation']);
  });

  it('Bob refuses: the transfer fails rejected, Alice is back with John, Bob is free again', async () => {
    await dispatchers(null);
    const callId = await aliceCallsJohn();
    await transferToBob(callId);
    const bobDesk = await channelOf(BOB_DESK);
    await ok('POST', `/api/v1/sim/channels/${bobDesk.id}/reject`);
    const failed = await client.waitFor((e) => e.type === 'call.transfer.failed' && e.callId === callId);
    expect(failed.data).toMatchObject({ reason: 'rejected', transferTo: BOB });
    const live = await aliceBackWithJohn(callId);
    expect(live.transfers).toMatchObject([{ status: 'failed', endReason: 'rejected' }]);
    expect(await stateOf(BOB)).toBe('available');
    expect(agentStates(BOB)).toEqual(['available', 'reserved', 'available']);
  });

  it('Bob does not answer within the ring time: the transfer fails no_answer, Alice is back with John', async () => {
    await dispatchers(null);
    const callId = await aliceCallsJohn();
    await transferToBob(callId);
    await server.advance(29_000);
    expect((await call(callId)).status).toBe('transferring');
    await server.advance(1_000);
    await client.waitFor((e) => e.type === 'call.transfer.failed' && e.callId === callId);
    const live = await aliceBackWithJohn(callId);
    expect(live.transfers).toMatchObject([{ status: 'failed', endReason: 'no_answer' }]);
    expect(await stateOf(BOB)).toBe('available');
    expect((await ok('GET', `/api/v1/agents/${BOB}`)).data.status.missedOffers).toBe(1);
  });

  it('Bob hangs up during the consultation: the transfer fails, Alice is back with John, Bob wraps up', async () => {
    await dispatchers();
    const callId = await aliceCallsJohn();
    await transferToBob(callId);
    await server.advance(2_000);
    await client.waitFor((e) => e.type === 'call.transfer.answered' && e.callId === callId);
    await ok('POST', `/api/v1/sim/channels/${(await channelOf(BOB_DESK)).id}/hangup`);
    const failed = await client.waitFor((e) => e.type === 'call.transfer.failed' && e.callId === callId);
    expect(failed.data).toMatchObject({ reason: 'normal' });
    await aliceBackWithJohn(callId);
    await client.waitForCount((e) => e.type === 'agent.state' && e.agentId === BOB, 5);
    expect(agentStates(BOB)).toEqual(['available', 'reserved', 'on_call', 'wrap_up', 'available']);
  });

  it('Alice cancels during the consultation: Bob is hung up, Alice is back with John', async () => {
    await dispatchers();
    const callId = await aliceCallsJohn();
    await transferToBob(callId);
    await server.advance(2_000);
    const canceled = await server.request('POST', `/api/v1/calls/${callId}/transfer/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.body.data).toMatchObject({ status: 'answered', transfers: [{ status: 'canceled' }] });
    await client.waitFor((e) => e.type === 'call.transfer.canceled' && e.callId === callId);
    await aliceBackWithJohn(callId);
    const sim = (await ok('GET', '/api/v1/sim/channels')).data as { address: string }[];
    expect(sim.filter((c) => c.address === BOB_DESK)).toEqual([]);
    await client.waitForCount((e) => e.type === 'agent.state' && e.agentId === BOB, 5);
    expect(await stateOf(BOB)).toBe('available');
    // Alice and John go on talking until they hang up.
    await ok('POST', `/api/v1/calls/${callId}/hangup`);
    await server.advance(0);
    expect((await call(callId)).transfers).toMatchObject([{ kind: 'attended', status: 'canceled' }]);
  });

  it('John hangs up while on hold: the call ends for everyone and the consultation is torn down', async () => {
    await dispatchers();
    const callId = await aliceCallsJohn();
    await transferToBob(callId);
    await server.advance(2_000);
    await ok('POST', `/api/v1/sim/channels/${(await channelOf(JOHN)).id}/hangup`);
    const ended = await client.waitFor((e) => e.type === 'call.ended' && e.callId === callId);
    expect(ended.data).toMatchObject({ call: { endReason: 'normal' } });
    expect((await ok('GET', '/api/v1/sim/channels')).data).toEqual([]);
    const record = await call(callId);
    expect(record.transfers).toMatchObject([{ status: 'failed', endReason: 'canceled' }]);
    expect(record.bridges.every((b: { destroyedAt?: string }) => b.destroyedAt !== undefined)).toBe(true);
    await client.waitForCount((e) => e.type === 'agent.state' && e.agentId === BOB, 5);
    expect(await stateOf(ALICE)).toBe('available');
    expect(await stateOf(BOB)).toBe('available');
  });
});

describe('attended transfer of a caller who came through a queue', () => {
  it("Alice took John from the dispatch queue: once her leg ends she wraps up for the queue's wrap-up time", async () => {
    await dispatchers();
    await ok('POST', '/api/v1/queues', {
      id: 'dispatch',
      name: 'Dispatch',
      strategy: 'longest_idle',
      members: [ALICE],
      wrapUpMs: 10_000,
    });
    const inbound = await ok('POST', '/api/v1/sim/inbound', { from: JOHN, to: '+13125550199' });
    await server.advance(0);
    const callId = (await client.waitFor((e) => e.type === 'call.ringing')).callId!;
    await ok('POST', '/api/v1/queues/dispatch/calls', { callId });
    await server.advance(0); // Alice's desk phone answers the offer
    expect(await call(callId)).toMatchObject({ status: 'answered', agentId: ALICE, queueId: 'dispatch' });

    await transferToBob(callId);
    expect((await channelOf(JOHN)).id).toBe(inbound.data.channelId);
    expect((await channelOf(JOHN)).held).toBe(true);
    await server.advance(2_000);
    await ok('POST', `/api/v1/calls/${callId}/transfer/complete`);
    await server.advance(0);
    expect(await stateOf(ALICE)).toBe('wrap_up');
    expect(await stateOf(BOB)).toBe('on_call');
    expect((await channelOf(BOB_DESK)).bridgeId).toBe((await channelOf(JOHN)).bridgeId);
    await server.advance(10_000);
    expect(await stateOf(ALICE)).toBe('available');
    expect(await call(callId)).toMatchObject({
      status: 'answered',
      agentId: BOB,
      transfers: [{ kind: 'attended', status: 'completed', from: ALICE, to: BOB }],
    });
  });
});

describe('attended transfer: bad input', () => {
  it('refuses a ringing call, complete or cancel without an attended transfer, an unknown mode (shared error shape)', async () => {
    await dispatchers();
    await ok('PUT', '/api/v1/sim/profiles', { match: JOHN, profile: { answerAfterMs: null } });
    const placed = await ok('POST', '/api/v1/calls', { from: ALICE, to: JOHN });
    const callId = placed.data.id;
    const ringing = await server.request('POST', `/api/v1/calls/${callId}/transfer`, {
      to: BOB,
      mode: 'attended',
    });
    expect(ringing.status).toBe(409);
    expect(ringing.body).toMatchObject({
      success: false,
      error: { code: 'INVALID_STATE', details: { status: 'ringing' } },
    });
    expect(await stateOf(BOB)).toBe('available');
    for (const verb of ['complete', 'cancel']) {
      const res = await server.request('POST', `/api/v1/calls/${callId}/transfer/${verb}`);
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ success: false, error: { code: 'INVALID_STATE' } });
    }
    const unknown = await server.request('POST', '/api/v1/calls/no-such-call/transfer/complete');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('CALL_NOT_FOUND');
    const mode = await server.request('POST', `/api/v1/calls/${callId}/transfer`, { to: BOB, mode: 'warm' });
    expect(mode.status).toBe(400);
    expect(mode.body.error.code).toBe('VALIDATION_ERROR');
    // The mock-CTI transfer keeps its contract: blind, and nothing else in its body.
    const cti = await server.request('POST', '/api/cti/transfer', { callId, to: BOB, mode: 'attended' });
    expect(cti.status).toBe(400);
  });
});
