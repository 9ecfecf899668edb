import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/core/events.ts';
import { connectEvents, type EventClient, startServer, type TestServer } from '../../support/server.ts';
import { readWav } from '../../support/wav.ts';

let server: TestServer;
let client: EventClient;

async function start(env: Record<string, string> = {}): Promise<void> {
  server = await startServer({ env });
  client = await connectEvents(server.url);
}

afterEach(async () => {
  client.close();
  await server.close({ removeData: true });
});

async function ok(method: string, path: string, body?: unknown) {
  const res = await server.request(method, path, body);
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body.data;
}

const record = (callId: string, action: string, extra: Record<string, unknown> = {}) =>
  server.request('POST', `/api/v1/calls/${callId}/recording`, { action, ...extra });

/** GET of a recording's file, read as bytes. */
async function download(recordingId: string) {
  const res = await fetch(`${server.url}/api/v1/recordings/${recordingId}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { res, bytes };
}

/** A dispatcher's click-to-dial to a customer who answers after 1 s and stays on the line. */
async function answeredCall(): Promise<string> {
  await ok('PUT', '/api/v1/sim/profiles', {
    match: '+1212*',
    profile: { answerAfterMs: 1_000, hangupAfterMs: null },
  });
  const call = await ok('POST', '/api/v1/calls', { from: 'PJSIP/1001', to: '+12125550142' });
  await server.advance(1_000);
  expect((await ok('GET', `/api/v1/calls/${call.id}`)).status).toBe('answered');
  return call.id;
}

const recordingEvents = (callId: string) =>
  client.events
    .filter(
      (e) => e.callId === callId && (e.type.startsWith('call.recording.') || e.type.startsWith('recording.')),
    )
    .map((e) => e.type);

const storedOf = (callId: string) =>
  client.waitFor((e) => e.type === 'recording.stored' && e.callId === callId, 'recording.stored');

describe('recording on demand', () => {
  it('pauses and resumes a recording; the WAV downloaded lasts the unpaused time', async () => {
    await start();
    const callId = await answeredCall();

    const started = await record(callId, 'start');
    expect(started.status).toBe(200);
    expect(started.body.data).toMatchObject({
      callId,
      state: 'recording',
      reason: 'on_demand',
      durationMs: 0,
    });
    const recordingId: string = started.body.data.id;
    await server.advance(3_000);
    expect((await record(callId, 'pause')).body.data).toMatchObject({
      id: recordingId,
      state: 'paused',
      durationMs: 3_000,
    });
    // The card number is read out: two seconds that never reach the file.
    await server.advance(2_000);
    expect((await record(callId, 'resume', { recordingId })).body.data).toMatchObject({ state: 'recording' });
    await server.advance(2_000);
    const stopped = await record(callId, 'stop');
    expect(stopped.body.data).toMatchObject({ id: recordingId, state: 'stopped', durationMs: 5_000 });

    const stored = (await storedOf(callId)) as Extract<DomainEvent, { type: 'recording.stored' }>;
    expect(stored.data.recording).toMatchObject({
      id: recordingId,
      durationMs: 5_000,
      contentType: 'audio/wav',
    });
    expect(recordingEvents(callId)).toEqual([
      'call.recording.started',
      'call.recording.paused',
      'call.recording.resumed',
      'call.recording.stopped',
      'recording.stored',
    ]);
    const stoppedEvent = client.events.find((e) => e.type === 'call.recording.stopped');
    expect(stoppedEvent).toMatchObject({
      callId,
      status: 'answered',
      data: { recordingId, durationMs: 5_000 },
    });

    const { res, bytes } = await download(recordingId);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${recordingId}.wav"`);
    expect(Number(res.headers.get('content-length'))).toBe(bytes.byteLength);
    const wav = readWav(bytes);
    expect(wav).toMatchObject({ format: 1, channels: 1, sampleRate: 8_000, bitsPerSample: 16 });
    expect(wav.durationMs).toBe(5_000);

    const listed = await ok('GET', `/api/v1/recordings?callId=${callId}`);
    expect(listed).toEqual([
      {
        id: recordingId,
        callId,
        state: 'stopped',
        reason: 'on_demand',
        startedAt: started.body.data.startedAt,
        endedAt: expect.any(String),
        durationMs: 5_000,
        size: bytes.byteLength,
        contentType: 'audio/wav',
        storedAt: expect.any(String),
      },
    ]);
    expect(existsSync(join(server.dataDir, 'recordings', `${recordingId}.wav`))).toBe(true);

    await ok('POST', `/api/v1/calls/${callId}/hangup`);
    const callRecord = await ok('GET', `/api/v1/calls/${callId}`);
    expect(callRecord.recordings).toEqual([
      {
        id: recordingId,
        state: 'stopped',
        reason: 'on_demand',
        startedAt: started.body.data.startedAt,
        endedAt: listed[0].endedAt,
        durationMs: 5_000,
      },
    ]);
  });

  it('stops a recording when the call ends, before call.ended, and stores it', async () => {
    await start();
    const callId = await answeredCall();
    const recordingId = (await record(callId, 'start')).body.data.id;
    await server.advance(4_000);
    await ok('POST', `/api/v1/calls/${callId}/hangup`);
    await storedOf(callId);
    const order = client.events.filter((e) => e.callId === callId).map((e) => e.type);
    expect(order.indexOf('call.recording.stopped')).toBeLessThan(order.indexOf('call.ended'));
    expect(readWav((await download(recordingId)).bytes).durationMs).toBe(4_000);
  });

  it('a server that stops mid-call stops the recording and stores it before it goes', async () => {
    await start();
    const callId = await answeredCall();
    const recordingId = (await record(callId, 'start')).body.data.id;
    await server.advance(3_000);
    client.close();
    await server.close();
    server = await startServer({ dataDir: server.dataDir });
    client = await connectEvents(server.url);
    expect((await ok('GET', `/api/v1/calls/${callId}`)).endReason).toBe('server_restart');
    const [kept] = await ok('GET', `/api/v1/recordings?callId=${callId}`);
    expect(kept).toMatchObject({
      id: recordingId,
      state: 'stopped',
      durationMs: 3_000,
      storedAt: expect.any(String),
    });
    expect(readWav((await download(recordingId)).bytes).durationMs).toBe(3_000);
  });

  it('refuses bad input with the shared error shape', async () => {
    await start();
    const missing = await server.request('GET', '/api/v1/recordings/no-such-recording');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      success: false,
      error: {
        code: 'RECORDING_NOT_FOUND',
        message: expect.stringContaining('no-such-recording'),
        details: { recordingId: 'no-such-recording' },
      },
    });
    const unknownCall = await record('no-such-call', 'start');
    expect(unknownCall.status).toBe(404);
    expect(unknownCall.body.error.code).toBe('CALL_NOT_FOUND');
    expect((await server.request('GET', '/api/v1/recordings?callId=no-such-call')).body.error.code).toBe(
      'CALL_NOT_FOUND',
    );
    expect((await server.request('GET', '/api/v1/recordings')).status).toBe(400);

    const callId = await answeredCall();
    const badAction = await record(callId, 'rewind');
    expect(badAction.status).toBe(400);
    expect(badAction.body.error.code).toBe('VALIDATION_ERROR');
    const notRecording = await record(callId, 'pause');
    expect(notRecording.status).toBe(409);
    expect(notRecording.body.error.code).toBe('INVALID_STATE');
    const recordingId = (await record(callId, 'start')).body.data.id;
    const twice = await record(callId, 'start');
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatchObject({ code: 'INVALID_STATE', details: { recordingId } });
    await server.advance(0);
    const early = await server.request('GET', `/api/v1/recordings/${recordingId}`);
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'RECORDING_NOT_READY', details: { state: 'recording' } });
    const wrongId = await record(callId, 'stop', { recordingId: 'no-such-recording' });
    expect(wrongId.status).toBe(404);
    expect(wrongId.body.error.code).toBe('RECORDING_NOT_FOUND');
  });
});

describe('recording by policy', () => {
  it('records an emergency call once the driver is connected, and stores it when it ends', async () => {
    await start();
    await ok('POST', '/api/v1/agents', {
      id: 'bob',
      name: 'Bob',
      endpoint: 'sim/bob',
      roles: ['dispatcher'],
    });
    await ok('POST', '/api/v1/agents/bob/login');
    await ok('PUT', '/api/v1/sim/profiles', { match: '+1212*', profile: { hangupAfterMs: null } });
    const raised = await server.request('POST', '/api/cti/emergency', {
      driverId: 'D-17',
      driverPhone: '+12125550177',
      location: { lat: 41.8781, lng: -87.6298 },
    });
    expect(raised.status).toBe(200);
    const { callId } = raised.body;
    // Bob answers at once; the driver's phone answers after 3 s.
    await server.advance(3_000);
    const started = await client.waitFor((e) => e.type === 'call.recording.started' && e.callId === callId);
    expect(started.data).toMatchObject({ reason: 'emergency', call: { status: 'answered' } });
    await server.advance(10_000);
    await ok('POST', `/api/v1/calls/${callId}/hangup`);
    const stored = (await storedOf(callId)) as Extract<DomainEvent, { type: 'recording.stored' }>;
    expect(stored.data.recording).toMatchObject({
      reason: 'emergency',
      state: 'stopped',
      durationMs: 10_000,
    });
    expect(readWav((await download(stored.data.recording.id)).bytes).durationMs).toBe(10_000);
    const callRecord = await ok('GET', `/api/v1/calls/${callId}`);
    expect(callRecord.flags).toEqual({ emergency: true, recording: true });
    expect(callRecord.recordings).toMatchObject([{ reason: 'emergency', durationMs: 10_000 }]);
  });

  /** An inbound line through a route to a queue Alice answers at once. */
  async function inboundLine(queueRecording?: unknown, routeRecording?: unknown): Promise<void> {
    await ok('POST', '/api/v1/agents', { id: 'alice', name: 'Alice', endpoint: 'sim/alice' });
    await ok('POST', '/api/v1/queues', {
      id: 'support',
      name: 'Support',
      strategy: 'longest_idle',
      members: ['alice'],
      ...(queueRecording !== undefined && { recording: queueRecording }),
    });
    await ok('POST', '/api/v1/routes', {
      dialled: '+13125550100',
      destination: { kind: 'queue', queueId: 'support' },
      ...(routeRecording !== undefined && { recording: routeRecording }),
    });
    await ok('PUT', '/api/v1/sim/profiles', { match: '+1415*', profile: { hangupAfterMs: null } });
    await ok('POST', '/api/v1/agents/alice/login');
  }

  async function inboundCall(): Promise<string> {
    await ok('POST', '/api/v1/sim/inbound', { from: '+14155550123', to: '+13125550100' });
    await server.advance(0);
    const answered = await client.waitFor((e) => e.type === 'call.answered');
    return answered.callId ?? '';
  }

  it('records the calls a queue says to record', async () => {
    await start();
    await inboundLine({ enabled: true });
    expect((await ok('GET', '/api/v1/queues/support')).recording).toEqual({ enabled: true });
    const callId = await inboundCall();
    const started = await client.waitFor((e) => e.type === 'call.recording.started' && e.callId === callId);
    expect(started.data).toMatchObject({ reason: 'queue' });
  });

  it('records the calls an inbound route says to record; a sample share of 0 records none', async () => {
    await start();
    await inboundLine({ enabled: true, samplePercent: 0 }, { enabled: true, samplePercent: 100 });
    const routes = await ok('GET', '/api/v1/routes');
    expect(routes[0].recording).toEqual({ enabled: true, samplePercent: 100 });
    const callId = await inboundCall();
    const started = await client.waitFor((e) => e.type === 'call.recording.started' && e.callId === callId);
    expect(started.data).toMatchObject({ reason: 'route' });

    await ok('PUT', `/api/v1/routes/${routes[0].id}`, {
      dialled: '+13125550100',
      destination: { kind: 'queue', queueId: 'support' },
      recording: { enabled: true, samplePercent: 0 },
    });
    await ok('POST', `/api/v1/calls/${callId}/hangup`);
    await server.advance(0);
    await ok('POST', '/api/v1/sim/inbound', { from: '+14155550123', to: '+13125550100' });
    await server.advance(0);
    const second = await client.waitForCount((e) => e.type === 'call.answered', 2);
    const secondId = second[1]?.callId ?? '';
    await server.advance(1_000);
    expect(recordingEvents(secondId)).toEqual([]);
    expect((await ok('GET', `/api/v1/calls/${secondId}`)).recordings).toBeUndefined();
  });

  it('refuses a recording policy it cannot read', async () => {
    await start();
    const res = await server.request('POST', '/api/v1/queues', {
      id: 'support',
      name: 'Support',
      strategy: 'longest_idle',
      recording: { enabled: true, samplePercent: 150 },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    const misspelt = await server.request('POST', '/api/v1/routes', {
      dialled: '+13125550100',
      destination: { kind: 'app' },
      recording: { enable: true },
    });
    expect(misspelt.status).toBe(400);
  });
});

describe('retention', () => {
  it('deletes recordings older than RECORDING_RETENTION_DAYS, and the records say so', async () => {
    await start({ RECORDING_RETENTION_DAYS: '1' });
    const callId = await answeredCall();
    const recordingId = (await record(callId, 'start')).body.data.id;
    await server.advance(2_000);
    await ok('POST', `/api/v1/calls/${callId}/hangup`);
    await storedOf(callId);
    const file = join(server.dataDir, 'recordings', `${recordingId}.wav`);
    expect(existsSync(file)).toBe(true);

    // Still there a day after it stopped; gone within the hour after.
    await server.advance(86_400_000 - 3_600_000);
    expect((await download(recordingId)).res.status).toBe(200);
    await server.advance(2 * 3_600_000);
    const deleted = await client.waitFor((e) => e.type === 'recording.deleted' && e.callId === callId);
    const deletedAt = (deleted as Extract<DomainEvent, { type: 'recording.deleted' }>).data.recording
      .deletedAt;
    expect(deletedAt).toEqual(expect.any(String));
    expect(existsSync(file)).toBe(false);

    const gone = await server.request('GET', `/api/v1/recordings/${recordingId}`);
    expect(gone.status).toBe(410);
    expect(gone.body.error).toMatchObject({ code: 'RECORDING_DELETED', details: { recordingId, deletedAt } });
    expect((await ok('GET', `/api/v1/recordings?callId=${callId}`))[0]).toMatchObject({ deletedAt });
    expect((await ok('GET', `/api/v1/calls/${callId}`)).recordings).toMatchObject([
      { id: recordingId, durationMs: 2_000, deletedAt },
    ]);
  });
});
