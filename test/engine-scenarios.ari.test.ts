import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAddress } from '../src/core/address.ts';
import { VirtualClock } from '../src/core/clock.ts';
import type { DomainEvent } from '../src/core/events.ts';
import { CallEngine } from '../src/engine/call-engine.ts';
import { openStore } from '../src/store/open-store.ts';
import { EndpointMap } from '../src/telephony/ari/endpoint-map.ts';
import { APP, type PbxRun, startPbx } from './support/ari-harness.ts';
import { attendedTransferScenarios } from './support/attended-transfer-scenarios.ts';
import { engineScenarios } from './support/engine-scenarios.ts';
import { hearsOnPbx } from './support/fake-ari-hearing.ts';
import { type PartyHarness, partyScenarios } from './support/party-scenarios.ts';

/** The engine on the ARI driver against the fake PBX, with the fake and the driver at hand. */
async function ariHarness(): Promise<
  PartyHarness & { run: PbxRun; next(type: 'driver.connected' | 'driver.disconnected'): Promise<void> }
> {
  const dir = mkdtempSync(join(tmpdir(), 'engine-ari-'));
  const clock = new VirtualClock();
  const run = await startPbx({}, clock);
  const store = await openStore({ kind: 'sqlite', file: join(dir, 'switchboard.db') });
  const engine = new CallEngine({ driver: run.driver, clock, store });
  // Quiet once the fake has nothing more to send, the driver nothing more to ask, the engine nothing to do.
  const settle = async () => {
    for (let round = 0; round < 50; round++) {
      const before = run.server.requests.length + run.driver.status().eventsReceived;
      await run.settle();
      do await engine.idle();
      while (engine.busy);
      await run.settle();
      if (run.server.requests.length + run.driver.status().eventsReceived === before && !engine.busy) return;
    }
    throw new Error('engine and fake Asterisk did not settle');
  };
  clock.onSettle(settle);
  await engine.start();
  const endpoints = new EndpointMap();
  /** Resolves at the driver's next event of `type`. */
  const next = (type: 'driver.connected' | 'driver.disconnected') =>
    new Promise<void>((resolve) => {
      const off = run.driver.onEvent((e) => {
        if (e.type !== type) return;
        off();
        resolve();
      });
    });
  return {
    run,
    next,
    engine,
    clock,
    advance: (ms) => clock.advance(ms),
    async dialled(address) {
      await clock.advance(0);
      const channel = run.pbx.channelTo(endpoints.dialString(parseAddress(address, 'address')));
      if (!channel) throw new Error(`nothing dialled to ${address}`);
      return channel.id;
    },
    partyAnswer: async (id) => {
      run.pbx.partyAnswer(id);
      await clock.advance(0);
    },
    partyBusy: async (id) => {
      run.pbx.partyReject(id, 'busy');
      await clock.advance(0);
    },
    partyHangup: async (id) => {
      run.pbx.partyHangup(id);
      await clock.advance(0);
    },
    partyDtmf: async (id, digit) => {
      run.pbx.partyDtmf(id, digit);
      await clock.advance(0);
    },
    async partyLost(id) {
      run.pbx.vanish(id);
      const lost = next('driver.disconnected');
      const back = next('driver.connected');
      run.server.dropWebSockets();
      await lost;
      await clock.advance(1_000);
      await back;
      await clock.advance(0);
    },
    async pbxRestart() {
      const lost = next('driver.disconnected');
      const back = next('driver.connected');
      await run.server.goDown();
      run.pbx.wipe();
      await lost;
      await clock.advance(1_000);
      await run.server.listen();
      await clock.advance(2_000);
      await back;
      await clock.advance(0);
    },
    unknownParty: (address) =>
      run.pbx.behave(endpoints.dialString(parseAddress(address, 'address')), { kind: 'unknown' }),
    ringback: (id) => run.server.requestsMatching('POST', /\/ring$/).some((r) => r.path.includes(id)),
    played: (id) =>
      run.server
        .requestsMatching('POST', new RegExp(`^/channels/${id.replace('.', '\\.')}/play$`))
        .map((r) => r.query.media ?? ''),
    async placeInbound(from, to) {
      const id = run.pbx.inboundCall({ from, to, app: APP });
      await clock.advance(0);
      return id;
    },
    dtmfReceived: (id) => run.pbx.channel(id)?.dtmfReceived ?? '',
    onHold: (id) => {
      const channel = run.pbx.channel(id);
      return Boolean(channel?.onHold && channel.moh);
    },
    live: (id) => run.pbx.channel(id) !== undefined,
    bridgeOf: (id) => run.pbx.channel(id)?.bridge?.id,
    hears: (id) => hearsOnPbx(run.pbx, id),
    async close() {
      await engine.stop();
      await run.server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

engineScenarios('ari (fake Asterisk)', ariHarness);
attendedTransferScenarios('ari (fake Asterisk)', ariHarness);
partyScenarios('ari (fake Asterisk)', ariHarness);

describe('engine on ARI: the Stasis application taken by another client', () => {
  it('no call starts while the rival holds it; once the rival has gone Switchboard takes it back and calls go through', async () => {
    const h = await ariHarness();
    const events: DomainEvent[] = [];
    h.engine.events.subscribe((e) => events.push(e));
    try {
      const lost = h.next('driver.disconnected');
      h.run.server.replaceApplication(APP);
      await lost;
      await h.advance(0);
      expect(h.engine.driverConnected).toBe(false);
      await expect(h.engine.originate({ to: '+12125550198' })).rejects.toMatchObject({
        code: 'DRIVER_UNAVAILABLE',
      });
      await h.advance(10_000);
      expect(h.run.driver.status().state).toBe('replaced');
      expect(h.run.server.connections.get(APP)).toBe(1);

      const back = h.next('driver.connected');
      h.run.server.releaseApplication(APP);
      await h.advance(30_000);
      await back;
      await h.advance(0);
      expect(h.engine.driverConnected).toBe(true);
      expect(h.run.driver.status()).toMatchObject({ state: 'connected', replacements: 1, reclaims: 1 });
      expect(events.map((e) => e.type).slice(-2)).toEqual(['driver.disconnected', 'driver.connected']);

      const call = await h.engine.originate({ to: '+12125550198' });
      await h.partyAnswer(await h.dialled('+12125550198'));
      expect(await h.engine.get(call.id)).toMatchObject({ status: 'answered' });
    } finally {
      await h.close();
    }
  });
});

describe('engine on ARI: attended transfer as the recorded transcripts do it', () => {
  /** The requests from `from` on, as `METHOD path [channel]` with the engine's ids made readable. */
  const requests = (h: Awaited<ReturnType<typeof ariHarness>>, from: number, names: Record<string, string>) =>
    h.run.server.requests.slice(from).map((r) => {
      let line = `${r.method} ${r.path}${r.query.channel ? ` ${r.query.channel}` : ''} ${r.status}`;
      for (const [id, name] of Object.entries(names)) line = line.replaceAll(id, name);
      return line;
    });

  /** The agent (1001) talks to the caller, then consults 1002, who answers; `start`: the first request of the transfer. */
  async function consultOnAri(h: Awaited<ReturnType<typeof ariHarness>>) {
    const call = await h.engine.originate({ from: '1001', to: '+12125550198' });
    const agent = await h.dialled('1001');
    await h.partyAnswer(agent);
    const caller = await h.dialled('+12125550198');
    await h.partyAnswer(caller);
    const start = h.run.server.requests.length;
    await h.engine.transfer(call.id, '1002', { mode: 'attended' });
    const target = await h.dialled('1002');
    await h.partyAnswer(target);
    const names = {
      [`${call.id}-consultation-2`]: 'B',
      [`${call.id}-bridge`]: 'A',
      [agent]: 'agent',
      [caller]: 'caller',
      [target]: 'target',
    };
    return { call, agent, caller, target, names, start };
  }

  it('consult (attended-transfer-consult): agent moved into a new bridge, caller on channel MOH; complete: target moved into the main bridge, agent hung up', async () => {
    const h = await ariHarness();
    try {
      const { call, caller, target, names, start } = await consultOnAri(h);
      expect(requests(h, start, names)).toEqual([
        'POST /bridges 200',
        // Adding a channel that sits in another bridge moves it: no removeChannel first.
        'POST /bridges/B/addChannel agent 204',
        // Channel MOH and hold, as `hold-moh` and `attended-transfer-cancel` record them.
        'POST /channels/caller/moh 204',
        'POST /channels/caller/hold 204',
        'POST /channels 200',
        'POST /bridges/B/addChannel target 204',
      ]);
      const completing = h.run.server.requests.length;
      await h.engine.completeTransfer(call.id);
      await h.advance(0);
      expect(requests(h, completing, names)).toEqual([
        'DELETE /channels/caller/hold 204',
        'DELETE /channels/caller/moh 204',
        'POST /bridges/A/addChannel target 204',
        'DELETE /channels/agent 204',
        'DELETE /bridges/B 204',
      ]);
      expect(h.run.pbx.channel(caller)?.bridge?.id).toBe(`${call.id}-bridge`);
      expect(h.run.pbx.channel(target)?.bridge?.id).toBe(`${call.id}-bridge`);
    } finally {
      await h.close();
    }
  });

  it('cancel (attended-transfer-cancel): target hung up, agent moved back into the main bridge, caller off MOH', async () => {
    const h = await ariHarness();
    try {
      const { call, agent, caller, names } = await consultOnAri(h);
      const canceling = h.run.server.requests.length;
      await h.engine.cancelTransfer(call.id);
      await h.advance(0);
      expect(requests(h, canceling, names)).toEqual([
        'DELETE /channels/target 204',
        'POST /bridges/A/addChannel agent 204',
        'DELETE /channels/caller/hold 204',
        'DELETE /channels/caller/moh 204',
        'DELETE /bridges/B 204',
      ]);
      expect(h.run.pbx.channel(agent)?.bridge?.id).toBe(`${call.id}-bridge`);
      expect(h.run.pbx.channel(caller)?.bridge?.id).toBe(`${call.id}-bridge`);
    } finally {
      await h.close();
    }
  });
});
