import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../src/core/events.ts';
import { connectEvents, type EventClient, startServer, type TestServer } from './support/server.ts';

const DISPATCHER = 'dispatcher-001';
const DRIVER = '+12125550101';

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

const forCall = (callId: string) => (e: DomainEvent) => e.callId === callId;
/** The call's lifecycle events (a dialled phone's own `call.leg.ringing` left out). */
const typesOf = (events: DomainEvent[], callId: string) =>
  events
    .filter(forCall(callId))
    .map((e) => e.type)
    .filter((t) => t !== 'call.leg.ringing');

async function profile(match: string, profile: Record<string, unknown>) {
  const res = await server.request('PUT', '/api/v1/sim/profiles', { match, profile });
  expect(res.status).toBe(200);
}

async function dial(from: string, to: string, context: Record<string, unknown> = {}) {
  const res = await server.request('POST', '/api/cti/call', { from, to, context });
  expect(res.status).toBe(200);
  return res.body as { callId: string; status: string };
}

describe('a dispatcher calls a driver', () => {
  it('rings, is answered after 3 s, hangs up, and keeps a record with the duration', async () => {
    const started = await dial(DISPATCHER, DRIVER, { tripId: 'T-42' });
    expect(started).toEqual({
      callId: expect.any(String),
      status: 'ringing',
      from: DISPATCHER,
      to: DRIVER,
      startedAt: '2026-01-05T09:00:00.000Z',
      context: { tripId: 'T-42' },
    });

    await server.advance(2_999);
    let status = await server.request('GET', `/api/cti/status?callId=${started.callId}`);
    expect(status.body.status).toBe('ringing');
    expect(status.body.answeredAt).toBeUndefined();

    await server.advance(1);
    status = await server.request('GET', `/api/cti/status?callId=${started.callId}`);
    expect(status.body).toMatchObject({
      status: 'answered',
      answeredAt: '2026-01-05T09:00:03.000Z',
      duration: 0,
    });

    await server.advance(12_000);
    const hangup = await server.request('POST', '/api/cti/hangup', { callId: started.callId });
    expect(hangup.status).toBe(200);
    expect(hangup.body).toEqual({
      callId: started.callId,
      status: 'ended',
      duration: 12,
      endedAt: '2026-01-05T09:00:15.000Z',
      endReason: 'normal',
    });

    await client.waitFor((e) => e.type === 'call.ended' && e.callId === started.callId);
    expect(typesOf(client.events, started.callId)).toEqual(['call.ringing', 'call.answered', 'call.ended']);

    const record = await server.request('GET', `/api/v1/calls/${started.callId}`);
    expect(record.body.success).toBe(true);
    expect(record.body.data).toMatchObject({
      id: started.callId,
      status: 'ended',
      endReason: 'normal',
      duration: 12,
      direction: 'outbound',
      context: { tripId: 'T-42' },
    });
    expect(record.body.data.legs.map((l: { role: string; status: string }) => [l.role, l.status])).toEqual([
      ['caller', 'ended'],
      ['callee', 'ended'],
    ]);
  });

  it('ends by itself when the driver hangs up after the default 30 s of talk', async () => {
    const { callId } = await dial(DISPATCHER, DRIVER);
    await server.advance(3_000 + 30_000);
    const ended = await client.waitFor((e) => e.type === 'call.ended' && e.callId === callId);
    expect(ended.type === 'call.ended' && ended.data.call).toMatchObject({
      endReason: 'normal',
      duration: 30,
    });
  });
});

describe('calls that do not connect', () => {
  it('fails with no_answer after the 30 s ring timeout and keeps the record', async () => {
    await profile(DRIVER, { answerAfterMs: null });
    const { callId } = await dial(DISPATCHER, DRIVER);
    await server.advance(29_999);
    expect((await server.request('GET', `/api/cti/status?callId=${callId}`)).body.status).toBe('ringing');
    await server.advance(1);
    const failed = await client.waitFor((e) => e.type === 'call.failed' && e.callId === callId);
    expect(failed.type === 'call.failed' && failed.data.call).toMatchObject({
      status: 'failed',
      endReason: 'no_answer',
      endedAt: '2026-01-05T09:00:30.000Z',
    });
    const list = await server.request('GET', '/api/v1/calls?status=failed');
    expect(list.body.data.items.map((c: { id: string }) => c.id)).toEqual([callId]);
  });

  it.each([
    ['busy', 'busy'],
    ['rejected', 'rejected'],
    ['invalid_number', 'invalid_number'],
    ['unreachable', 'unreachable'],
  ])('fails with %s when the far end is %s', async (outcome, endReason) => {
    await profile(DRIVER, { outcome });
    const { callId } = await dial(DISPATCHER, DRIVER);
    await server.advance(5_000);
    const status = await server.request('GET', `/api/cti/status?callId=${callId}`);
    expect(status.body).toMatchObject({ status: 'failed', endReason });
    expect(typesOf(client.events, callId)).toEqual(['call.ringing', 'call.failed']);
  });

  it('refuses a number that cannot exist with 400 INVALID_PHONE_NUMBER', async () => {
    for (const to of ['+1555', '+999123', '12345678901234567890']) {
      const res = await server.request('POST', '/api/v1/calls', { from: DISPATCHER, to });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ success: false, error: { code: 'INVALID_PHONE_NUMBER' } });
    }
    expect((await server.request('GET', '/api/v1/calls')).body.data.items).toEqual([]);
  });
});

describe('concurrency', () => {
  it('five dispatchers call five drivers at once without cross-talk', async () => {
    const pairs = [1, 2, 3, 4, 5].map((n) => ({ from: `dispatcher-00${n}`, to: `+1212555010${n}` }));
    const calls = await Promise.all(pairs.map((p) => dial(p.from, p.to, { n: p.to })));
    expect(new Set(calls.map((c) => c.callId)).size).toBe(5);
    await server.advance(3_000);
    await Promise.all(calls.map((c) => server.request('POST', '/api/cti/hangup', { callId: c.callId })));
    await client.waitForCount((e) => e.type === 'call.ended', 5);
    calls.forEach((call, i) => {
      const mine = client.events.filter(forCall(call.callId));
      expect(typesOf(mine, call.callId)).toEqual(['call.ringing', 'call.answered', 'call.ended']);
      for (const event of mine) {
        const snapshot = (event.data as { call: { from: string; to: string; context: unknown } }).call;
        expect(snapshot).toMatchObject({
          from: pairs[i]!.from,
          to: pairs[i]!.to,
          context: { n: pairs[i]!.to },
        });
      }
    });
    const seqs = client.events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });
});

describe('call control', () => {
  async function answeredCall() {
    const { callId } = await dial(DISPATCHER, DRIVER);
    await server.advance(3_000);
    return callId;
  }

  it('holds and unholds an answered call', async () => {
    const callId = await answeredCall();
    const held = await server.request('POST', `/api/v1/calls/${callId}/hold`);
    expect(held.status).toBe(200);
    expect(held.body.data).toMatchObject({ status: 'on_hold', heldAt: '2026-01-05T09:00:03.000Z' });
    const channels = (await server.request('GET', '/api/v1/sim/channels')).body.data;
    const callee = channels.find((c: { address: string }) => c.address === DRIVER);
    expect(callee.held).toBe(true);

    const again = await server.request('POST', `/api/v1/calls/${callId}/hold`);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'INVALID_STATE' });
    expect(again.body.error.message).toContain('on hold');

    const unheld = await server.request('POST', `/api/v1/calls/${callId}/unhold`);
    expect(unheld.body.data.status).toBe('answered');
    expect(unheld.body.data.heldAt).toBeUndefined();
    await client.waitFor((e) => e.type === 'call.unheld' && e.callId === callId);
    expect(typesOf(client.events, callId)).toEqual([
      'call.ringing',
      'call.answered',
      'call.held',
      'call.unheld',
    ]);
  });

  it('blind-transfers the driver to another number', async () => {
    const callId = await answeredCall();
    const transfer = await server.request('POST', '/api/cti/transfer', { callId, to: '+12125550199' });
    expect(transfer.status).toBe(200);
    expect(transfer.body).toEqual({
      callId,
      status: 'transferring',
      transferTo: '+12125550199',
      transferInitiatedAt: '2026-01-05T09:00:03.000Z',
    });
    await server.advance(3_000);
    const done = await client.waitFor((e) => e.type === 'call.transferred' && e.callId === callId);
    type Transferred = {
      call: { status: string; legs: { role: string; status: string; endReason?: string }[] };
    };
    const call = (done.data as unknown as Transferred).call;
    expect(call.status).toBe('answered');
    expect(call.legs.map((l) => [l.role, l.status, l.endReason])).toEqual([
      ['caller', 'ended', 'transferred'],
      ['callee', 'answered', undefined],
      ['transfer_target', 'answered', undefined],
    ]);
    const hangup = await server.request('POST', `/api/v1/calls/${callId}/hangup`);
    expect(hangup.body.data).toMatchObject({ status: 'ended', endReason: 'normal' });
  });

  it('ends the call when the transfer target is busy', async () => {
    const callId = await answeredCall();
    await profile('+12125550198', { outcome: 'busy' });
    await server.request('POST', `/api/v1/calls/${callId}/transfer`, { to: '+12125550198' });
    await server.advance(2_000);
    const ended = await client.waitFor((e) => e.type === 'call.ended' && e.callId === callId);
    expect((ended.data as { call: { endReason: string } }).call.endReason).toBe('busy');
  });

  it('sends DTMF to the driver and reports it', async () => {
    const callId = await answeredCall();
    const res = await server.request('POST', `/api/v1/calls/${callId}/dtmf`, { digits: '12#' });
    expect(res.status).toBe(200);
    const sent = await client.waitForCount((e) => e.type === 'call.dtmf' && e.callId === callId, 3);
    expect(sent.map((e) => (e.data as { digit: string }).digit)).toEqual(['1', '2', '#']);
    const channels = (await server.request('GET', '/api/v1/sim/channels')).body.data;
    expect(channels.find((c: { address: string }) => c.address === DRIVER).dtmfReceived).toBe('12#');
  });

  it('answers 409 INVALID_STATE naming the status when holding a ringing call', async () => {
    const { callId } = await dial(DISPATCHER, DRIVER);
    const res = await server.request('POST', `/api/v1/calls/${callId}/hold`);
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      success: false,
      error: {
        code: 'INVALID_STATE',
        message: expect.stringContaining('ringing'),
        details: expect.anything(),
      },
    });
    expect(res.body.error.details).toMatchObject({ status: 'ringing' });
  });

  it('answers 409 for a command on a finished call and 404 for an unknown one', async () => {
    const { callId } = await dial(DISPATCHER, DRIVER);
    await server.request('POST', '/api/cti/hangup', { callId });
    const again = await server.request('POST', '/api/cti/hangup', { callId });
    expect(again.status).toBe(409);
    const unknown = await server.request('GET', '/api/cti/status?callId=nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: expect.any(String) });
    const v1 = await server.request('POST', '/api/v1/calls/nope/hangup');
    expect(v1.status).toBe(404);
    expect(v1.body.error.code).toBe('CALL_NOT_FOUND');
  });

  it("a driver's refusal leaves the engine as a catalogue error, and sim controls answer in the shared shape", async () => {
    const { callId } = await dial(DISPATCHER, DRIVER);
    await server.advance(3_000);
    // The simulator refuses an empty prompt: apps hear the engine's INVALID_STATE, not the driver's type.
    await expect(server.sb.engine.play(callId, '')).rejects.toMatchObject({
      name: 'SwitchboardError',
      code: 'INVALID_STATE',
      message: 'nothing to play: media is empty',
    });
    const missing = await server.request('POST', '/api/v1/sim/channels/sim-9/answer');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'CHANNEL_NOT_FOUND' });
    const inbound = await server.request('POST', '/api/v1/sim/inbound', { from: '+15551230009', to: '1001' });
    const hold = await server.request('POST', `/api/v1/sim/channels/${inbound.body.data.channelId}/hold`);
    expect(hold.status).toBe(409);
    expect(hold.body.error).toMatchObject({
      code: 'INVALID_STATE',
      message: expect.stringContaining('ringing'),
    });
  });
});

describe('inbound calls', () => {
  it('rings, is answered through the API, and reports the caller’s DTMF digit by digit', async () => {
    await profile('+13125550101', { dtmf: { digits: '42#', afterMs: 1_000, interDigitMs: 500 } });
    const placed = await server.request('POST', '/api/v1/sim/inbound', {
      from: '+13125550101',
      to: '+13125550100',
    });
    expect(placed.status).toBe(200);
    const ringing = await client.waitFor((e) => e.type === 'call.ringing');
    const callId = ringing.callId!;
    expect((ringing.data as { call: { direction: string; from: string } }).call).toMatchObject({
      direction: 'inbound',
      from: '+13125550101',
      to: '+13125550100',
    });
    const answered = await server.request('POST', `/api/v1/calls/${callId}/answer`);
    expect(answered.body.data.status).toBe('answered');
    await server.advance(1_000);
    await server.advance(1_000);
    const digits = await client.waitForCount((e) => e.type === 'call.dtmf' && e.callId === callId, 3);
    expect(digits.map((e) => [(e.data as { digit: string }).digit, e.timestamp])).toEqual([
      ['4', '2026-01-05T09:00:01.000Z'],
      ['2', '2026-01-05T09:00:01.500Z'],
      ['#', '2026-01-05T09:00:02.000Z'],
    ]);
  });

  it('ends as canceled when the caller hangs up before anyone answers', async () => {
    const placed = await server.request('POST', '/api/v1/sim/inbound', {
      from: '+13125550102',
      to: '+13125550100',
    });
    const ringing = await client.waitFor((e) => e.type === 'call.ringing');
    await server.request('POST', `/api/v1/sim/channels/${placed.body.data.channelId}/hangup`);
    const ended = await client.waitFor((e) => e.type === 'call.ended' && e.callId === ringing.callId);
    expect((ended.data as { call: { endReason: string } }).call.endReason).toBe('canceled');
  });
});

describe('metrics', () => {
  it('reports live calls, the driver and event progress in Prometheus format', async () => {
    await dial(DISPATCHER, DRIVER);
    const res = await fetch(`${server.url}/api/v1/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('switchboard_live_calls 1');
    expect(text).toContain('switchboard_driver_connected{driver="simulator"} 1');
    expect(text).toMatch(/switchboard_event_seq [1-9]/);
    expect(text).not.toContain('switchboard_ari_connection{');
  });
});
