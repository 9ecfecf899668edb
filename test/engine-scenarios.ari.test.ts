import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAddress } from '../src/core/address.ts';
import { VirtualClock } from '../src/core/clock.ts';
import { CallEngine } from '../src/engine/call-engine.ts';
import { openStore } from '../src/store/open-store.ts';
import { EndpointMap } from '../src/telephony/ari/endpoint-map.ts';
import { APP, startPbx } from './support/ari-harness.ts';
import { engineScenarios } from './support/engine-scenarios.ts';

engineScenarios('ari (fake Asterisk)', async () => {
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
    async close() {
      await engine.stop();
      await run.server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
