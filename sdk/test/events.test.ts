import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startServer, type TestServer } from '../../test/support/server.ts';
import { createClient, type DomainEvent, type EventStream } from '../src/index.ts';

const servers: TestServer[] = [];
const streams: EventStream[] = [];
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  for (const server of servers.splice(0)) await server.close({ removeData: true });
});

async function start(env: Record<string, string> = {}, dataDir?: string): Promise<TestServer> {
  const server = await startServer({ env, ...(dataDir !== undefined && { dataDir }) });
  servers.push(server);
  return server;
}

function record(stream: EventStream): DomainEvent[] {
  streams.push(stream);
  const seen: DomainEvent[] = [];
  stream.onAny((event) => seen.push(event));
  return seen;
}

function until(check: () => boolean, what: string, timeout = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (check()) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - started > timeout) {
        clearInterval(poll);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 10);
  });
}

describe('the SDK event stream', () => {
  it('delivers events typed by name, and replays from lastSeq without a gap or a repeat', async () => {
    const server = await start();
    const client = createClient({ baseUrl: server.url });
    const live = client.events();
    const seen = record(live);
    const answered: string[] = [];
    live.on('call.answered', (event) => answered.push(event.data.call.status));
    await live.ready();

    const call = await client.api.originateCall({ body: { to: '+13125550142' } });
    await server.advance(5_000);
    await until(() => answered.length === 1, 'call.answered');
    expect(answered).toEqual(['answered']);
    const ringingSeq = seen.find((e) => e.type === 'call.ringing' && e.callId === call.id)!.seq;

    const resumed = client.events({ lastSeq: ringingSeq });
    const replayed = record(resumed);
    await resumed.ready();
    expect(replayed.map((e) => e.seq)).toEqual(seen.filter((e) => e.seq > ringingSeq).map((e) => e.seq));
    await client.api.hangupCall({ path: { callId: call.id } });
    await until(() => replayed.some((e) => e.type === 'call.ended'), 'call.ended after the replay');
    expect(resumed.lastSeq).toBe(live.lastSeq);
  });

  it('resumes after the server restarts: the call it ended (server_restart) reaches the client', async () => {
    const port = String(await freePort());
    const first = await start({ CTI_PORT: port });
    const client = createClient({ baseUrl: first.url });
    const stream = client.events();
    const seen = record(stream);
    await stream.ready();
    const call = await client.api.originateCall({ body: { to: '+13125550142' } });
    await first.advance(5_000);
    await until(() => seen.some((e) => e.type === 'call.answered'), 'call.answered');

    servers.splice(servers.indexOf(first), 1);
    await first.close();
    await start({ CTI_PORT: port }, first.dataDir);
    await until(
      () => seen.some((e) => e.type === 'call.ended' && e.callId === call.id),
      'call.ended',
      15_000,
    );
    const ended = seen.find((e) => e.type === 'call.ended')!;
    expect(ended.type === 'call.ended' && ended.data.call.endReason).toBe('server_restart');
    const seqs = seen.map((e) => e.seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
  }, 30_000);

  it('uses the API key for routes and events; without one both are refused with UNAUTHORIZED', async () => {
    const server = await start({ SWITCHBOARD_API_KEYS: 'sesame' });
    const anonymous = createClient({ baseUrl: server.url });
    await expect(anonymous.api.listCalls()).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    const refused = anonymous.events();
    streams.push(refused);
    await expect(refused.ready()).rejects.toThrow();
    expect(refused.status).not.toBe('live');

    const keyed = createClient({ baseUrl: server.url, apiKey: 'sesame' });
    const stream = keyed.events();
    const seen = record(stream);
    await stream.ready();
    await keyed.api.originateCall({ body: { to: '+13125550142' } });
    await until(() => seen.some((e) => e.type === 'call.ringing'), 'call.ringing with a key');
  });
});
