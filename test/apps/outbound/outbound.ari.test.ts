import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSwitchboard, type Switchboard } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config/config.ts';
import { parseAddress } from '../../../src/core/address.ts';
import { VirtualClock } from '../../../src/core/clock.ts';
import { EndpointMap } from '../../../src/telephony/ari/endpoint-map.ts';
import { FakeAriServer } from '../../support/fake-ari.ts';
import { FakePbx, type PartyBehaviour } from '../../support/fake-ari-pbx.ts';
import { connectEvents, type EventClient } from '../../support/server.ts';

/**
 * The outbound scenarios on the ARI driver: the whole server (HTTP, Socket.io, the outbound app and
 * its jobs) against the fake Asterisk, on one virtual clock.
 */

interface Rig {
  readonly sb: Switchboard;
  readonly pbx: FakePbx;
  readonly ari: FakeAriServer;
  readonly client: EventClient;
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  advance(ms: number): Promise<void>;
  /** What the phone at a number does when dialled. */
  behave(number: string, behaviour: PartyBehaviour): void;
  /** POST /channels the driver sent to a number, in order. */
  dialsTo(number: string): number;
}

const endpoints = new EndpointMap();
const dialString = (address: string) => endpoints.dialString(parseAddress(address, 'address'));
let rig: Rig | undefined;
let dataDir: string | undefined;

afterEach(async () => {
  rig?.client.close();
  await rig?.sb.close();
  await rig?.ari.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  rig = undefined;
});

async function start(env: Record<string, string> = {}): Promise<Rig> {
  const clock = new VirtualClock();
  const ari = new FakeAriServer();
  const pbx = new FakePbx(ari, clock);
  pbx.defaultApp = 'switchboard';
  ari.backend = pbx;
  await ari.listen();
  dataDir = mkdtempSync(join(tmpdir(), 'switchboard-outbound-ari-'));
  const config = loadConfig(
    {},
    {
      CTI_PORT: '0',
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_DRIVER: 'ari',
      ARI_URL: ari.url,
      ARI_USERNAME: 'cti',
      ARI_PASSWORD: 'cti',
      ARI_APP: 'switchboard',
      ...env,
    },
  );
  const sb = await createSwitchboard(config, { clock, logger: false });
  // Virtual time waits for the fake Asterisk's events and the driver's requests too, not only for the
  // server's own work.
  clock.onSettle(async () => {
    for (let round = 0; round < 50; round++) {
      const before = ari.requests.length + (sb.ari?.status().eventsReceived ?? 0);
      await ari.flush();
      await sb.ari?.idle();
      await sb.idle();
      await ari.flush();
      if (ari.requests.length + (sb.ari?.status().eventsReceived ?? 0) === before) return;
    }
  });
  const url = await sb.listen();
  const client = await connectEvents(url);
  const request = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      ...(body !== undefined && {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    });
    return { status: res.status, body: await res.json() };
  };
  pbx.behave('PJSIP/1001', { kind: 'answer', afterMs: 0 });
  const created = await request('POST', '/api/v1/agents', {
    id: 'alice',
    name: 'Alice',
    endpoint: 'PJSIP/1001',
  });
  expect(created.status).toBe(201);
  rig = {
    sb,
    pbx,
    ari,
    client,
    request,
    advance: (ms) => clock.advance(ms),
    // A number, or the start of numbers (`+1212555`): the start of their dial strings.
    behave: (number, behaviour) => {
      const full = number.padEnd(12, '0');
      const ds = dialString(full);
      pbx.behave(number === full ? ds : ds.slice(0, ds.indexOf(full)) + number, behaviour);
    },
    dialsTo: (number) =>
      ari.requestsMatching('POST', /^\/channels$/).filter((r) => r.query.endpoint === dialString(number))
        .length,
  };
  return rig;
}

const log = async (r: Rig, id: string) => (await r.request('GET', `/api/v1/calls/outbound/${id}`)).body.data;

describe('outbound calls on the ARI driver', () => {
  it('rings the agent’s phone, then the number; the log follows the call to completed', async () => {
    const r = await start();
    r.behave('+12125550142', { kind: 'answer', afterMs: 2_000 });
    const placed = await r.request('POST', '/api/v1/calls/outbound', {
      phoneNumber: '+12125550142',
      agentId: 'alice',
    });
    expect(placed.status).toBe(201);
    const id = placed.body.data.callLogId;
    await r.advance(0);
    expect(await log(r, id)).toMatchObject({ status: 'ringing', outboundStatus: 'ringing' });
    expect(r.dialsTo('+12125550142')).toBe(1);
    await r.advance(2_000);
    const live = await log(r, id);
    expect(live).toMatchObject({
      status: 'in-progress',
      outboundStatus: 'connected',
      startedAt: '2026-01-05T09:00:02.000Z',
    });
    const channel = r.pbx.channelTo(dialString('+12125550142'));
    r.pbx.partyHangup(channel?.id as string);
    await r.advance(5_000);
    expect(await log(r, id)).toMatchObject({ status: 'completed', outboundStatus: 'completed' });
    expect((await r.request('GET', `/api/v1/calls/${id}`)).body.data.status).toBe('completed');
  });

  it('retries a busy number, and cancels a ringing call', async () => {
    const r = await start({ RETRY_BUSY_MAX: '1', RETRY_BUSY_DELAY_MS: '10000' });
    r.behave('+12125550143', { kind: 'busy', afterMs: 100 });
    const busy = (
      await r.request('POST', '/api/v1/calls/outbound', { phoneNumber: '+12125550143', agentId: 'alice' })
    ).body.data.callLogId;
    await r.advance(3_000);
    expect(await log(r, busy)).toMatchObject({
      status: 'failed',
      outboundStatus: 'busy',
      failureReason: 'busy',
    });
    const retry = await r.client.waitFor((e) => e.type === 'outbound.retry.scheduled');
    await r.advance(20_000);
    expect(r.dialsTo('+12125550143')).toBe(2);
    const retries = (await r.request('GET', `/api/v1/calls/outbound/${busy}/retries`)).body.data;
    expect(retries).toMatchObject({
      totalRetries: 1,
      maxRetries: 1,
      retries: [
        {
          attemptNumber: 1,
          status: 'failed',
          retryCallLogId: (retry.data as { callLogId: string }).callLogId,
        },
      ],
    });

    r.behave('+12125550144', { kind: 'ring' });
    const ringing = (
      await r.request('POST', '/api/v1/calls/outbound', { phoneNumber: '+12125550144', agentId: 'alice' })
    ).body.data.callLogId;
    await r.advance(1_000);
    expect((await log(r, ringing)).status).toBe('ringing');
    expect((await r.request('POST', `/api/v1/calls/${ringing}/cancel`)).status).toBe(200);
    await r.advance(1_000);
    expect(r.pbx.channelTo(dialString('+12125550144'))).toBeUndefined();
    expect(await log(r, ringing)).toMatchObject({ status: 'canceled', outboundStatus: 'canceled' });
  });

  it('opens the circuit on the trunk’s failures and half-opens after 60 s', async () => {
    const r = await start({ RETRY_NETWORK_ERROR_MAX: '0' });
    r.behave('+1212555', { kind: 'congestion' });
    for (let i = 0; i < 5; i++) {
      const res = await r.request('POST', '/api/v1/calls/outbound', {
        phoneNumber: `+1212555010${i}`,
        agentId: 'alice',
      });
      expect(res.status).toBe(201);
      await r.advance(3_000);
      expect(await log(r, res.body.data.callLogId)).toMatchObject({
        status: 'failed',
        failureCategory: 'network_error',
      });
    }
    const refused = await r.request('POST', '/api/v1/calls/outbound', {
      phoneNumber: '+12125550110',
      agentId: 'alice',
    });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('API_UNAVAILABLE');
    await r.advance(60_000);
    expect((await r.request('GET', '/api/v1/calls/outbound/stats')).body.data.circuitBreaker).toBe(
      'half-open',
    );
    r.behave('+12125550111', { kind: 'answer', afterMs: 1_000 });
    expect(
      (await r.request('POST', '/api/v1/calls/outbound', { phoneNumber: '+12125550111', agentId: 'alice' }))
        .status,
    ).toBe(201);
    await r.advance(1_000);
    expect((await r.request('GET', '/api/v1/calls/outbound/stats')).body.data.circuitBreaker).toBe('closed');
  });

  it('fires a scheduled call at its time and paces a bulk list', async () => {
    const r = await start();
    r.behave('+1212555', { kind: 'answer', afterMs: 500 });
    const scheduled = await r.request('POST', '/api/v1/calls/outbound/schedule', {
      phoneNumber: '+12125550150',
      agentId: 'alice',
      scheduledFor: '2026-01-05T14:30:00',
      timezone: 'Asia/Kolkata',
    });
    expect(scheduled.body.data.scheduledFor).toBe('2026-01-05T09:00:00.000Z');
    const bulk = await r.request('POST', '/api/v1/calls/outbound/bulk', {
      calls: [1, 2, 3].map((i) => ({ phoneNumber: `+1212555016${i}`, agentId: 'alice' })),
    });
    expect(bulk.body.data.successful).toBe(3);
    await r.advance(2_500);
    const starts = r.client.events.filter((e) => e.type === 'call.ringing').map((e) => e.timestamp);
    expect(starts).toEqual([
      '2026-01-05T09:00:00.000Z',
      '2026-01-05T09:00:00.000Z',
      '2026-01-05T09:00:01.000Z',
      '2026-01-05T09:00:02.000Z',
    ]);
    for (const n of ['+12125550150', '+12125550161', '+12125550162', '+12125550163'])
      expect(r.dialsTo(n)).toBe(1);
  });
});
