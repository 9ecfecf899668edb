import { afterEach, describe, expect, it } from 'vitest';
import type { ErrorBody } from '../src/core/errors.ts';
import type { DomainEvent } from '../src/core/events.ts';
import type { TestServer } from './support/server.ts';
import { connectEvents, startServer } from './support/server.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close({ removeData: true }).catch(() => undefined);
});

const MAX_PENDING = 20;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** engine.io's long-poll payload separator. */
const RECORD_SEPARATOR = '\x1e';

/**
 * A Socket.io client speaking the long-polling protocol by hand, so the test decides when it reads:
 * between polls it reads nothing, as a client whose network stalled, and the server must hold every
 * packet for it.
 */
async function connectPolling(url: string): Promise<{ poll(): Promise<string[]> }> {
  const base = `${url}/socket.io/?EIO=4&transport=polling`;
  const open = await (await fetch(base)).text();
  const { sid } = JSON.parse(open.slice(1)) as { sid: string };
  const session = `${base}&sid=${sid}`;
  const poll = async () => (await (await fetch(session)).text()).split(RECORD_SEPARATOR);
  const connected = await fetch(session, { method: 'POST', body: '40' });
  expect(connected.status).toBe(200);
  // The namespace's connect answer; from here on the client is in the live room and stops reading.
  expect((await poll())[0]).toMatch(/^40/);
  return { poll };
}

/** Socket.io events (`42[type, payload]`) in a poll's packets. */
function socketEvents(packets: readonly string[]): [string, unknown][] {
  return packets.filter((p) => p.startsWith('42')).map((p) => JSON.parse(p.slice(2)) as [string, unknown]);
}

describe('Socket.io slow clients', () => {
  it('drops a client that leaves more than SOCKET_MAX_PENDING_EVENTS unread; the fast one gets everything, the slow one resumes', async () => {
    const server = await startServer({ env: { SOCKET_MAX_PENDING_EVENTS: String(MAX_PENDING) } });
    servers.push(server);
    const fast = await connectEvents(server.url);
    const slow = await connectPolling(server.url);
    const firstLive = server.sb.engine.events.lastSeq + 1;

    // Calls through the API publish events until the stalled client is well past its bound.
    for (let i = 0; server.sb.engine.events.lastSeq < firstLive + 3 * MAX_PENDING; i++) {
      const placed = await server.request('POST', '/api/v1/sim/inbound', {
        from: `+1212555${String(1000 + i)}`,
        to: '+12125550199',
      });
      expect(placed.status).toBeLessThan(300);
    }
    // Commits finish on the store's writer thread: the last seq is the one once nothing is in flight.
    await server.sb.engine.idle();
    const last = server.sb.engine.events.lastSeq;

    // The fast client is not held back: every event, in order.
    await fast.waitFor((e) => e.seq === last);
    expect(fast.events.map((e) => e.seq)).toEqual(range(firstLive, last));

    // The slow client, reading again, finds what was queued before the drop, then why, then the disconnect.
    const packets = await slow.poll();
    const received = socketEvents(packets);
    const notice = received.at(-1) as ['resume_failed', ErrorBody & { details: { lastSeq: number } }];
    expect(notice[0]).toBe('resume_failed');
    expect(notice[1].code).toBe('SLOW_CONSUMER');
    expect(packets.at(-1)).toBe('41');
    const { lastSeq } = notice[1].details;
    const slowSeqs = received.slice(0, -1).map(([, event]) => (event as DomainEvent).seq);
    expect(slowSeqs).toEqual(range(firstLive, lastSeq));
    // Dropped within the bound and the check's stride, long before the last event.
    expect(slowSeqs.length).toBeGreaterThan(MAX_PENDING);
    expect(slowSeqs.length).toBeLessThanOrEqual(MAX_PENDING + MAX_PENDING / 10 + 1);
    expect(lastSeq).toBeLessThan(last);

    // Reconnecting with the seq it was given, it gets the rest without gap or duplicate.
    const resumed = await connectEvents(server.url, { lastSeq });
    await resumed.waitFor((e) => e.seq === last);
    expect(resumed.events.map((e) => e.seq)).toEqual(range(lastSeq + 1, last));

    fast.close();
    resumed.close();
  });
});
