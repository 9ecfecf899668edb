import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../src/core/clock.ts';
import { CallEngine } from '../src/engine/call-engine.ts';
import { openStore } from '../src/store/open-store.ts';
import { SimulatorDriver } from '../src/telephony/sim/simulator.ts';
import { attendedTransferScenarios } from './support/attended-transfer-scenarios.ts';
import { engineScenarios } from './support/engine-scenarios.ts';
import { type PartyHarness, partyScenarios } from './support/party-scenarios.ts';

/** The engine on the simulator, whose parties act only when the scenario says so. */
async function simHarness(): Promise<PartyHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'engine-sim-'));
  const clock = new VirtualClock();
  // Parties act only when the scenario says so.
  const driver = new SimulatorDriver({
    clock,
    profiles: [{ match: '*', profile: { answerAfterMs: null, hangupAfterMs: null } }],
  });
  const played = new Map<string, string[]>();
  const play = driver.play.bind(driver);
  driver.play = (channelId, playbackId, media) => {
    played.set(channelId, [...(played.get(channelId) ?? []), media]);
    return play(channelId, playbackId, media);
  };
  const rung = new Set<string>();
  const ring = driver.ring.bind(driver);
  driver.ring = (channelId) => {
    rung.add(channelId);
    return ring(channelId);
  };
  const store = await openStore({ kind: 'sqlite', file: join(dir, 'switchboard.db') });
  const engine = new CallEngine({ driver, clock, store });
  clock.onSettle(async () => {
    do await engine.idle();
    while (engine.busy);
  });
  await engine.start();
  const settle = () => clock.advance(0);
  const latest = (address: string) =>
    driver
      .channels()
      .filter((c) => c.address === address)
      .at(-1);
  return {
    engine,
    clock,
    advance: (ms) => clock.advance(ms),
    async dialled(address) {
      await settle();
      const channel = latest(address);
      if (!channel) throw new Error(`nothing dialled to ${address}`);
      return channel.id;
    },
    partyAnswer: async (id) => {
      driver.partyAnswer(id);
      await settle();
    },
    partyBusy: async (id) => {
      driver.partyReject(id, 'busy');
      await settle();
    },
    partyHangup: async (id) => {
      driver.partyHangup(id);
      await settle();
    },
    partyDtmf: async (id, digit) => {
      driver.partySendDtmf(id, digit);
      await settle();
    },
    partyLost: async (id) => {
      driver.partyHangup(id, 'network_error');
      await settle();
    },
    async pbxRestart() {
      for (const channel of driver.channels()) driver.partyHangup(channel.id, 'network_error');
      await settle();
    },
    unknownParty: (address) => driver.setProfile({ match: address, profile: { outcome: 'invalid_number' } }),
    played: (id) => played.get(id) ?? [],
    ringback: (id) => rung.has(id),
    async placeInbound(from, to) {
      const id = driver.placeInboundCall({ from, to });
      await settle();
      return id;
    },
    dtmfReceived: (id) => driver.channel(id)?.dtmfReceived ?? '',
    onHold: (id) => driver.channel(id)?.held ?? false,
    hears: (id) => driver.channel(id)?.hears ?? [],
    live: (id) => driver.channel(id)?.state !== 'ended',
    bridgeOf: (id) => driver.channel(id)?.bridgeId,
    async close() {
      await engine.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

engineScenarios('simulator', simHarness);
attendedTransferScenarios('simulator', simHarness);
partyScenarios('simulator', simHarness);
