import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSwitchboard } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { SystemClock } from '../src/core/clock.ts';
import type { DomainEvent } from '../src/core/events.ts';
import { FakeAriServer } from './support/fake-ari.ts';
import { FakePbx } from './support/fake-ari-pbx.ts';
import { connectEvents, type EventClient, startServer } from './support/server.ts';

const AGENT = {
  id: 'dispatcher-003',
  name: 'Dana',
  endpoint: 'PJSIP/1003',
  phone: { extension: '1003', password: 'secret-1003' },
};

/** The `agent.phone` events of the agent, as `registered`/`unregistered`. */
const phoneEvents = (events: readonly DomainEvent[]) =>
  events
    .filter((e) => e.type === 'agent.phone' && e.agentId === AGENT.id)
    .map((e) => (e.type === 'agent.phone' && e.data.agent.phone?.registered ? 'registered' : 'unregistered'));

/** Waits for the agent's `count`-th `agent.phone` event. */
const nthPhoneEvent = (client: EventClient, count: number) =>
  client.waitForCount((e) => e.type === 'agent.phone' && e.agentId === AGENT.id, count);

async function getAgent(url: string): Promise<{ phone: Record<string, unknown> }> {
  const res = await fetch(`${url}/api/v1/agents/${AGENT.id}`);
  expect(res.status).toBe(200);
  return (await res.json()).data;
}

describe("agents' phone registration", () => {
  it('simulator: a phone that registers and leaves is agent.phone and shows in the agent', async () => {
    const server = await startServer();
    const client = await connectEvents(server.url);
    try {
      expect((await server.request('POST', '/api/v1/agents', AGENT)).status).toBe(201);
      // Simulated phones are registered until told otherwise.
      await nthPhoneEvent(client, 1);
      const registered = await getAgent(server.url);
      expect(registered.phone).toMatchObject({ extension: '1003', registered: true });
      expect(registered.phone.registeredChangedAt).toEqual(expect.any(String));
      expect(registered.phone).not.toHaveProperty('password');

      const left = await server.request('POST', '/api/v1/sim/endpoints/1003/unregister');
      expect(left.body).toEqual({ success: true, data: { endpoint: '1003', registered: false } });
      await nthPhoneEvent(client, 2);
      expect((await getAgent(server.url)).phone).toMatchObject({ registered: false });

      // The same state again is no change: no event.
      await server.request('POST', '/api/v1/sim/endpoints/1003/unregister');
      await server.request('POST', '/api/v1/sim/endpoints/1003/register');
      await nthPhoneEvent(client, 3);
      expect((await getAgent(server.url)).phone).toMatchObject({ registered: true });
      expect(phoneEvents(client.events)).toEqual(['registered', 'unregistered', 'registered']);
      const endpointEvents = client.events.filter((e) => e.type === 'endpoint.state').map((e) => e.data);
      expect(endpointEvents).toEqual([
        { endpoint: '1003', registered: true },
        { endpoint: '1003', registered: false },
        { endpoint: '1003', registered: true },
      ]);
    } finally {
      client.close();
      await server.close({ removeData: true });
    }
  });

  it('ARI (without subscribeAll): the agent’s endpoint is subscribed to; registration and removal show', async () => {
    const ari = new FakeAriServer();
    const pbx = new FakePbx(ari, new SystemClock());
    ari.backend = pbx;
    await ari.listen();
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-ari-'));
    const config = loadConfig(
      {},
      {
        CTI_PORT: '0',
        SWITCHBOARD_DATA_DIR: dataDir,
        SWITCHBOARD_DRIVER: 'ari',
        ARI_URL: ari.url,
        ARI_USERNAME: 'cti',
        ARI_PASSWORD: 'cti',
      },
    );
    const sb = await createSwitchboard(config, { logger: false });
    try {
      const url = await sb.listen();
      const client = await connectEvents(url);
      const created = await fetch(`${url}/api/v1/agents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(AGENT),
      });
      expect(created.status).toBe(201);
      // The phone is not registered yet: GET /endpoints/PJSIP/1003 says offline.
      await nthPhoneEvent(client, 1);
      expect((await getAgent(url)).phone).toMatchObject({ registered: false });
      expect(ari.requests.map((r) => `${r.method} ${r.path}`)).toEqual(
        expect.arrayContaining(['POST /applications/switchboard/subscription', 'GET /endpoints/PJSIP/1003']),
      );

      pbx.setRegistered('PJSIP/1003', true);
      await nthPhoneEvent(client, 2);
      expect((await getAgent(url)).phone).toMatchObject({ extension: '1003', registered: true });
      pbx.setRegistered('PJSIP/1003', false);
      await nthPhoneEvent(client, 3);
      expect((await getAgent(url)).phone).toMatchObject({ registered: false });
      // Three ARI events per change, one agent.phone each.
      expect(phoneEvents(client.events)).toEqual(['unregistered', 'registered', 'unregistered']);
      client.close();
    } finally {
      await sb.close();
      await ari.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
