import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConfigOverrides } from '../src/config/config.ts';
import type { ErrorBody } from '../src/core/errors.ts';
import type { TestServer } from './support/server.ts';
import { connectEvents, startServer } from './support/server.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const s of servers.splice(0)) await s.close({ removeData: true }).catch(() => undefined);
});

async function start(env: ConfigOverrides = {}): Promise<TestServer> {
  const server = await startServer({ env });
  servers.push(server);
  return server;
}

/** Appends `count` events to the log through the engine, as the apps do. */
async function seed(server: TestServer, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, () =>
      server.sb.engine.publish({ type: 'driver.connected', data: { driver: 'simulator' } }),
    ),
  );
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const PAGE = 500;

describe('Socket.io resume under abuse', () => {
  it('a flood of resumes costs one replay: the last one gets every event once, in order', async () => {
    const server = await start();
    await seed(server, 3_000);
    const last = server.sb.engine.events.lastSeq;
    const reads = vi.spyOn(server.sb.engine.events, 'after');
    const client = await connectEvents(server.url);
    const resumed = new Promise<{ replayed: number }>((resolve) => client.socket.once('resumed', resolve));

    for (let i = 0; i < 300; i++) client.socket.emit('resume', { lastSeq: 0 });

    expect(await resumed).toEqual({ lastSeq: last, replayed: last });
    // The last resume's replay: every event once, in order, right before `resumed`. Pages of a replay
    // that a later resume cancelled may come before it (the client asked for them again).
    const received = client.events.map((e) => e.seq);
    expect(received.slice(-last)).toEqual(range(1, last));
    // One replay's worth of log pages (plus the first pages of resumes cancelled meanwhile), not one per resume.
    expect(reads.mock.calls.length).toBeLessThanOrEqual(Math.ceil(last / PAGE) + 4);
    expect(received.length).toBeLessThanOrEqual(reads.mock.calls.length * PAGE);
    expect((await server.request('GET', '/health')).status).toBe(200);
    // Live delivery continues after the replay, without a repeat.
    await seed(server, 1);
    await client.waitFor((e) => e.seq === last + 1);
    expect(client.events.map((e) => e.seq).slice(-last - 1)).toEqual(range(1, last + 1));
    client.close();
  });

  it('disconnects a socket that resumes more often than SOCKET_RESUMES_PER_MINUTE', async () => {
    const server = await start({ SOCKET_RESUMES_PER_MINUTE: '5' });
    await seed(server, 3);
    const client = await connectEvents(server.url);
    const failed = new Promise<ErrorBody>((resolve) => client.socket.once('resume_failed', resolve));
    const gone = new Promise((resolve) => client.socket.once('disconnect', resolve));

    for (let i = 0; i < 6; i++) client.socket.emit('resume', { lastSeq: 0 });

    expect((await failed).code).toBe('RATE_LIMITED');
    expect(await gone).toBe('io server disconnect');
  });

  it('disconnects a replaying socket once more live events wait than SOCKET_MAX_BUFFERED_EVENTS', async () => {
    const server = await start({ SOCKET_MAX_BUFFERED_EVENTS: '3' });
    await seed(server, 10);
    const events = server.sb.engine.events;
    const read = events.after.bind(events);
    // Live events arrive while the replay reads the log: four wait, one more than allowed.
    vi.spyOn(events, 'after').mockImplementationOnce(async (seq, limit) => {
      await seed(server, 4);
      return read(seq, limit);
    });
    const client = await connectEvents(server.url);
    const failed = new Promise<ErrorBody>((resolve) => client.socket.once('resume_failed', resolve));
    const gone = new Promise((resolve) => client.socket.once('disconnect', resolve));
    client.socket.emit('resume', { lastSeq: 0 });

    expect((await failed).code).toBe('REPLAY_OVERFLOW');
    expect(await gone).toBe('io server disconnect');
  });
});
