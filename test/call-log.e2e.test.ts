import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallSnapshot } from '../src/core/call.ts';
import { openStore } from '../src/store/open-store.ts';
import { makeCall } from './support/call-fixtures.ts';
import { startServer, type TestServer } from './support/server.ts';

const servers: TestServer[] = [];
async function start(dataDir?: string, nodeId = 'node-1'): Promise<TestServer> {
  const server = await startServer({
    ...(dataDir && { dataDir }),
    env: { SWITCHBOARD_NODE_ID: nodeId },
  });
  servers.push(server);
  return server;
}
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close({ removeData: true });
});

/** RFC 4180 read back: quoted fields may hold commas, quotes (doubled) and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field).toBe('');
  expect(row).toEqual([]);
  return rows;
}

async function placeAnsweredCall(server: TestServer, to: string, talkMs: number): Promise<string> {
  const res = await server.request('POST', '/api/v1/calls', { to });
  expect(res.status).toBe(201);
  // The simulator's remote party answers after 3 s.
  await server.advance(3_000);
  await server.advance(talkMs);
  const id = res.body.data.id as string;
  expect((await server.request('POST', `/api/v1/calls/${id}/hangup`)).status).toBe(200);
  return id;
}

describe('the call log over HTTP', () => {
  it('filters the list by any party, direction, duration, source and end reason', async () => {
    const server = await start();
    const short = await placeAnsweredCall(server, '+12125550101', 5_000);
    // The simulator's remote party hangs up after 30 s of talk.
    const long = await placeAnsweredCall(server, '+12125550102', 25_000);
    await server.sb.store.calls.importCall(
      makeCall('3cx-h1', {
        source: '3cx',
        externalId: 'h1',
        direction: 'inbound',
        status: 'failed',
        endReason: 'no_answer',
        answeredAt: undefined,
        duration: undefined,
        startedAt: '2026-01-05T08:00:00.000Z',
      }),
    );
    const ids = async (query: string) => {
      const res = await server.request('GET', `/api/v1/calls?${query}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.data.items.map((c: CallSnapshot) => c.id);
    };
    expect(await ids('')).toEqual([long, short, '3cx-h1']);
    expect(await ids(`number=${encodeURIComponent('+12125550102')}`)).toEqual([long]);
    expect(await ids('direction=outbound')).toEqual([long, short]);
    expect(await ids('minDuration=20')).toEqual([long]);
    expect(await ids('minDuration=1&maxDuration=19')).toEqual([short]);
    expect(await ids('source=3cx')).toEqual(['3cx-h1']);
    expect(await ids('endReason=no_answer,busy')).toEqual(['3cx-h1']);
    expect(await ids('status=ended&direction=inbound')).toEqual([]);
    const bad = await server.request('GET', '/api/v1/calls?endReason=lunch&minDuration=-1');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_ERROR');
  });

  it('exports the same selection as RFC 4180 CSV, in a time zone when asked', async () => {
    const server = await start();
    const id = await placeAnsweredCall(server, '+12125550101', 5_000);
    await server.sb.store.calls.importCall(
      makeCall('3cx-q', {
        source: '3cx',
        externalId: 'quote"d,\nid',
        from: 'Smith, "Bob"',
        startedAt: '2026-01-05T08:00:00.000Z',
        answeredAt: '2026-01-05T08:00:04.000Z',
        duration: 7,
      }),
    );
    const res = await fetch(`${server.url}/api/v1/calls/export?timezone=America/New_York`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = parseCsv(await res.text());
    expect(rows[0]).toEqual([
      'id',
      'source',
      'external_id',
      'direction',
      'status',
      'end_reason',
      'from',
      'to',
      'agent_id',
      'queue_id',
      'started_at',
      'answered_at',
      'ended_at',
      'duration_s',
    ]);
    expect(rows.map((r) => r[0])).toEqual(['id', id, '3cx-q']);
    expect(rows[1]?.slice(1, 8)).toEqual([
      'switchboard',
      '',
      'outbound',
      'ended',
      'normal',
      '+12125550101',
      '+12125550101',
    ]);
    expect(rows[1]?.[13]).toBe('5');
    // 09:00 UTC in New York in January: 04:00, five hours behind.
    expect(rows[1]?.[10]).toBe('2026-01-05T04:00:00.000-05:00');
    expect(rows[2]).toMatchObject({
      1: '3cx',
      2: 'quote"d,\nid',
      6: 'Smith, "Bob"',
      11: '2026-01-05T03:00:04.000-05:00',
    });

    const utc = parseCsv(await (await fetch(`${server.url}/api/v1/calls/export?source=3cx`)).text());
    expect(utc.map((r) => r[10])).toEqual(['started_at', '2026-01-05T08:00:00.000Z']);
    const bad = await server.request('GET', '/api/v1/calls/export?timezone=Mars/Olympus');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_ERROR');
  });

  it("answers a call's timeline in order, and CALL_NOT_FOUND for an unknown call", async () => {
    const server = await start();
    const id = await placeAnsweredCall(server, '+12125550101', 5_000);
    const res = await server.request('GET', `/api/v1/calls/${id}/events`);
    expect(res.status).toBe(200);
    const types = res.body.data.map((e: { type: string }) => e.type);
    expect(types[0]).toBe('call.ringing');
    expect(types).toContain('call.answered');
    expect(types.at(-1)).toBe('call.ended');
    const seqs = res.body.data.map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a: number, b: number) => a - b));
    expect(res.body.data.every((e: { callId: string }) => e.callId === id)).toBe(true);
    const later = await server.request('GET', `/api/v1/calls/${id}/events?after=${seqs[0]}&limit=1`);
    expect(later.body.data.map((e: { seq: number }) => e.seq)).toEqual([seqs[1]]);
    const missing = await server.request('GET', '/api/v1/calls/nope/events');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('CALL_NOT_FOUND');
  });
});

describe('start-up after a crash, with processes sharing the database', () => {
  it("closes the live calls this process left, never another process's", async () => {
    const first = await start(undefined, 'node-1');
    const mine = await first.request('POST', '/api/v1/calls', { to: '+12125550102' });
    expect(mine.status).toBe(201);
    // As after kill -9: nothing gets to end the call.
    await first.sb.store.close();
    await first.close();
    const other = await openStore(
      { kind: 'sqlite', file: join(first.dataDir, 'switchboard.db') },
      { owner: 'node-2' },
    );
    await other.calls.save(makeCall('theirs', { status: 'answered', startedAt: '2026-01-05T09:00:00.000Z' }));
    await other.close();

    const second = await start(first.dataDir, 'node-1');
    const closed = await second.request('GET', `/api/v1/calls/${mine.body.data.id}`);
    expect(closed.body.data).toMatchObject({ status: 'ended', endReason: 'server_restart' });
    const theirs = await second.request('GET', '/api/v1/calls/theirs');
    expect(theirs.body.data.status).toBe('answered');
  });
});
