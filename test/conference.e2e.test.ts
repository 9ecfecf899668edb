import { afterEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../src/core/events.ts';
import { partyEventLine } from './support/party-scenarios.ts';
import { connectEvents, type EventClient, startServer, type TestServer } from './support/server.ts';

let server: TestServer | undefined;
let client: EventClient | undefined;

afterEach(async () => {
  client?.close();
  await server?.close({ removeData: true });
  server = client = undefined;
});

const JOHN = '+13125550142';
const DESKS: Record<string, string> = {
  'sim/alice-desk': 'alice',
  'sim/charlie-desk': 'charlie',
  'sim/bob-desk': 'bob',
  [JOHN]: 'john',
};

/** A server with Alice (dispatcher), Charlie (supervisor) and Bob (agent) on duty; John stays on the line. */
async function site(env: Record<string, string> = {}): Promise<{ s: TestServer; events: EventClient }> {
  server = await startServer({ env });
  client = await connectEvents(server.url);
  for (const [id, roles] of [
    ['alice', ['dispatcher']],
    ['charlie', ['supervisor']],
    ['bob', ['agent']],
  ] as const) {
    await ok('POST', '/api/v1/agents', { id, name: id, endpoint: `sim/${id}-desk`, roles });
    await ok('POST', `/api/v1/agents/${id}/login`);
  }
  await ok('PUT', '/api/v1/sim/profiles', { match: JOHN, profile: { hangupAfterMs: null } });
  return { s: server, events: client };
}

async function ok(method: string, path: string, body?: unknown) {
  const res = await server!.request(method, path, body);
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
}

/** Alice click-to-dials John, who answers after 3 s. */
async function aliceCallsJohn(): Promise<string> {
  const call = await ok('POST', '/api/v1/calls', { from: 'alice', to: JOHN });
  await server!.advance(3_000);
  expect((await ok('GET', `/api/v1/calls/${call.data.id}`)).data.status).toBe('answered');
  return call.data.id;
}

/** Who hears whom, from the simulator's channels (GET /api/v1/sim/channels), by name. */
async function hearing(): Promise<Record<string, string[]>> {
  const channels: { id: string; address: string; hears: string[] }[] = (
    await ok('GET', '/api/v1/sim/channels')
  ).data;
  const name = new Map(channels.map((c) => [c.id, DESKS[c.address] ?? c.address]));
  return Object.fromEntries(
    channels.map((c) => [name.get(c.id), c.hears.map((id) => name.get(id) ?? id).sort()]),
  );
}

const stateOf = async (agentId: string): Promise<string> =>
  (await ok('GET', `/api/v1/agents/${agentId}`)).data.status.state;

/** The call's conference and monitor events, as `type who[ reason]`. */
function partyEvents(events: EventClient, callId: string): string[] {
  return events.events
    .filter((e: DomainEvent) => e.callId === callId && /^call\.(participant|monitor)\./.test(e.type))
    .map(partyEventLine);
}

function expectError(res: { status: number; body: any }, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.body).toMatchObject({ success: false, error: { code, message: expect.any(String) } });
}

describe('conference over HTTP and Socket.io', () => {
  it('Alice adds supervisor Charlie: Charlie joins, three parties connected, call type conference', async () => {
    const { s, events } = await site();
    const callId = await aliceCallsJohn();
    expect((await ok('GET', `/api/v1/calls/${callId}`)).data.type).toBe('call');

    const added = await s.request('POST', `/api/v1/calls/${callId}/participants`, { to: 'charlie' });
    expect(added.status).toBe(201);
    expect(added.body.data.participant).toMatchObject({
      to: 'charlie',
      agentId: 'charlie',
      status: 'dialing',
    });
    expect(added.body.data.call.type).toBe('conference');
    expect(await stateOf('charlie')).toBe('reserved');

    await s.advance(0); // Charlie's desk phone answers
    const joined = await events.waitFor((e) => e.type === 'call.participant.joined' && e.callId === callId);
    expect(joined.data).toMatchObject({ participant: { to: 'charlie', status: 'joined', muted: false } });
    expect((joined as unknown as { callId: string; status: string }).status).toBe('answered');
    const call = (await ok('GET', `/api/v1/calls/${callId}`)).data;
    expect(call).toMatchObject({
      type: 'conference',
      status: 'answered',
      conference: { maxParticipants: 10, endWhenOwnerLeaves: false },
    });
    expect(call.participants.map((p: any) => [p.role, p.to, p.status])).toEqual([
      ['owner', 'alice', 'joined'],
      ['participant', JOHN, 'joined'],
      ['participant', 'charlie', 'joined'],
    ]);
    expect(await hearing()).toEqual({
      alice: ['charlie', 'john'],
      john: ['alice', 'charlie'],
      charlie: ['alice', 'john'],
    });
    expect(await stateOf('charlie')).toBe('on_call');
  });

  it('mutes, unmutes and removes a party; the call goes on with two; the record lists every participant', async () => {
    const { s, events } = await site();
    const callId = await aliceCallsJohn();
    const { participant } = (await ok('POST', `/api/v1/calls/${callId}/participants`, { to: 'charlie' }))
      .data;
    await s.advance(0);
    const base = `/api/v1/calls/${callId}/participants/${participant.id}`;

    const muted = (await ok('POST', `${base}/mute`)).data;
    expect(muted.participants[2]).toMatchObject({ id: participant.id, muted: true });
    expect(await hearing()).toEqual({ alice: ['john'], john: ['alice'], charlie: ['alice', 'john'] });
    await ok('POST', `${base}/unmute`);
    expect((await hearing()).alice).toEqual(['charlie', 'john']);

    const johnParty = muted.participants[1].id;
    expectError(
      await s.request('DELETE', `/api/v1/calls/${callId}/participants/nobody`),
      404,
      'PARTICIPANT_NOT_FOUND',
    );
    const afterRemove = (await ok('DELETE', `/api/v1/calls/${callId}/participants/${johnParty}`)).data;
    expect(afterRemove.status).toBe('answered');
    await s.advance(0);
    expect(await hearing()).toEqual({ alice: ['charlie'], charlie: ['alice'] });
    expectError(
      await s.request('POST', `/api/v1/calls/${callId}/participants/${johnParty}/mute`),
      409,
      'INVALID_STATE',
    );

    await ok('DELETE', base);
    await events.waitFor((e) => e.type === 'call.ended' && e.callId === callId);
    expect(partyEvents(events, callId)).toEqual([
      'call.participant.joined charlie',
      'call.participant.muted charlie',
      'call.participant.unmuted charlie',
      `call.participant.left ${JOHN} normal`,
      'call.participant.left charlie normal',
    ]);
    const record = (await ok('GET', `/api/v1/calls/${callId}`)).data;
    expect(record).toMatchObject({ status: 'ended', type: 'conference' });
    expect(record.participants.map((p: any) => [p.to, p.status, typeof p.joinedAt, typeof p.leftAt])).toEqual(
      [
        ['alice', 'left', 'string', 'string'],
        [JOHN, 'left', 'string', 'string'],
        ['charlie', 'left', 'string', 'string'],
      ],
    );
    const listed = (await ok('GET', '/api/v1/calls')).data.items.find((c: { id: string }) => c.id === callId);
    expect(listed.participants).toHaveLength(3);
    expect(await stateOf('charlie')).toBe('available');
  });

  it('refuses a fourth party over a maximum of three with 409 CONFERENCE_FULL, and bad input with 4xx', async () => {
    const { s } = await site({ CONFERENCE_MAX_PARTICIPANTS: '3' });
    const callId = await aliceCallsJohn();
    const key = { 'idempotency-key': 'add-charlie-1' };
    const first = await s.request('POST', `/api/v1/calls/${callId}/participants`, { to: 'charlie' }, key);
    const again = await s.request('POST', `/api/v1/calls/${callId}/participants`, { to: 'charlie' }, key);
    // A retried request rings no second phone.
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.data.participant.id).toBe(first.body.data.participant.id);
    await s.advance(0);
    const fourth = await s.request('POST', `/api/v1/calls/${callId}/participants`, { to: 'bob' });
    expectError(fourth, 409, 'CONFERENCE_FULL');
    expect(fourth.body.error.details).toMatchObject({ maxParticipants: 3 });
    expect(await stateOf('bob')).toBe('available');
    expectError(
      await s.request('POST', `/api/v1/calls/${callId}/participants`, { to: 'bob', role: 'owner' }),
      400,
      'VALIDATION_ERROR',
    );
    expectError(
      await s.request('POST', '/api/v1/calls/nope/participants', { to: 'bob' }),
      404,
      'CALL_NOT_FOUND',
    );
    const ringing = await ok('POST', '/api/v1/calls', { from: 'bob', to: '+13125550143' });
    expectError(
      await s.request('POST', `/api/v1/calls/${ringing.data.id}/participants`, { to: 'sim/desk-9' }),
      409,
      'INVALID_STATE',
    );
  });
});

describe('supervisor monitoring over HTTP and Socket.io', () => {
  it('Charlie listens, whispers to Alice, barges in, and stops: who hears whom at each step', async () => {
    const { s, events } = await site();
    const callId = await aliceCallsJohn();
    const monitor = (mode: string) =>
      ok('POST', `/api/v1/calls/${callId}/monitor`, { supervisorId: 'charlie', mode });

    const started = (await monitor('listen')).data;
    expect(started.monitors).toMatchObject([{ supervisorId: 'charlie', mode: 'listen', status: 'ringing' }]);
    await s.advance(0);
    await events.waitFor((e) => e.type === 'call.monitor.started' && e.callId === callId);
    expect(await hearing()).toEqual({ alice: ['john'], john: ['alice'], charlie: ['alice', 'john'] });

    await monitor('whisper');
    expect(await hearing()).toEqual({
      alice: ['charlie', 'john'],
      john: ['alice'],
      charlie: ['alice', 'john'],
    });

    await monitor('barge');
    expect(await hearing()).toEqual({
      alice: ['charlie', 'john'],
      john: ['alice', 'charlie'],
      charlie: ['alice', 'john'],
    });

    const ended = (await ok('DELETE', `/api/v1/calls/${callId}/monitor`)).data;
    expect(ended.status).toBe('answered');
    expect(ended.monitors).toMatchObject([{ mode: 'barge', status: 'ended', endReason: 'normal' }]);
    await s.advance(0);
    expect(await hearing()).toEqual({ alice: ['john'], john: ['alice'] });
    expect(partyEvents(events, callId)).toEqual([
      'call.monitor.started charlie listen',
      'call.monitor.changed charlie whisper',
      'call.monitor.changed charlie barge',
      'call.monitor.ended charlie barge normal',
    ]);
    expect((await ok('GET', `/api/v1/calls/${callId}`)).data.type).toBe('call');
    expectError(await s.request('DELETE', `/api/v1/calls/${callId}/monitor`), 409, 'INVALID_STATE');
  });

  it('refuses an agent without the supervisor role with 403 FORBIDDEN, and other bad input with 4xx', async () => {
    const { s } = await site();
    const callId = await aliceCallsJohn();
    const forbidden = await s.request('POST', `/api/v1/calls/${callId}/monitor`, {
      supervisorId: 'bob',
      mode: 'listen',
    });
    expectError(forbidden, 403, 'FORBIDDEN');
    expect(forbidden.body.error.details).toMatchObject({ supervisorId: 'bob', roles: ['agent'] });
    expectError(
      await s.request('POST', `/api/v1/calls/${callId}/monitor`, { supervisorId: 'nobody', mode: 'listen' }),
      404,
      'AGENT_NOT_FOUND',
    );
    expectError(
      await s.request('POST', `/api/v1/calls/${callId}/monitor`, { supervisorId: 'charlie', mode: 'shout' }),
      400,
      'VALIDATION_ERROR',
    );
    const call = (await ok('GET', `/api/v1/calls/${callId}`)).data;
    expect(call.monitors).toBeUndefined();
    expect(call.legs).toHaveLength(2);
  });
});
