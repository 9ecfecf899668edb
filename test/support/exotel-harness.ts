import { VirtualClock } from '../../src/core/clock.ts';
import { ExotelDriver } from '../../src/telephony/exotel/exotel-driver.ts';
import { engineOnCloud } from './cloud-engine.ts';
import type { EngineHarness } from './engine-scenarios.ts';
import { EXOTEL_KEY, EXOTEL_SID, EXOTEL_TOKEN, FakeExotel } from './fake-exotel.ts';
import { startProviderCallbackServer } from './provider-callback-server.ts';

export const EXOPHONE = '+918047091234';

export type ExotelHarness = EngineHarness & {
  readonly fake: FakeExotel;
  readonly driver: ExotelDriver;
  readonly receiverUrl: string;
  /** The fake's call and leg behind a channel. */
  legOf(channelId: string): { sid: string; leg: 0 | 1 };
};

/** The engine on the Exotel driver, against the fake Exotel, with callbacks through a receiver. */
export async function exotelHarness(): Promise<ExotelHarness> {
  const clock = new VirtualClock();
  const fake = new FakeExotel(clock);
  const apiBaseUrl = await fake.listen();
  const receiver = await startProviderCallbackServer();
  const driver = new ExotelDriver({
    sid: EXOTEL_SID,
    apiKey: EXOTEL_KEY,
    apiToken: EXOTEL_TOKEN,
    apiBaseUrl,
    virtualNumber: EXOPHONE,
    appId: '271828',
    publicBaseUrl: receiver.url,
    fetch,
    clock,
  });
  receiver.attach(driver);
  const { engine, close } = await engineOnCloud(driver, clock, fake, () => driver.idle());
  const legs = new Map<string, { sid: string; leg: 0 | 1 }>();
  const legOf = (channelId: string) => {
    const leg = legs.get(channelId);
    if (!leg) throw new Error(`no Exotel leg known for channel ${channelId}`);
    return leg;
  };
  const act = async (work: () => void) => {
    work();
    await clock.advance(0);
  };
  const unsupported = (what: string) => () => {
    throw new Error(`the fake Exotel has no ${what}`);
  };
  return {
    fake,
    driver,
    receiverUrl: receiver.url,
    legOf,
    engine,
    clock,
    advance: (ms) => clock.advance(ms),
    async dialled(address) {
      await clock.advance(0);
      const found = fake.legTo(address);
      const channelId = found && driver.channelsOf(found.call.sid)[found.leg];
      if (!found || !channelId) throw new Error(`nothing dialled to ${address}`);
      legs.set(channelId, { sid: found.call.sid, leg: found.leg });
      return channelId;
    },
    partyAnswer: (id) => act(() => fake.partyAnswer(legOf(id).sid, legOf(id).leg)),
    partyBusy: (id) => act(() => fake.partyBusy(legOf(id).sid, legOf(id).leg)),
    partyHangup: (id) => act(() => fake.partyHangup(legOf(id).sid, legOf(id).leg)),
    partyDtmf: unsupported('keypad'),
    partyLost: unsupported('connection to lose'),
    pbxRestart: unsupported('restart'),
    unknownParty: unsupported('unknown numbers'),
    ringback: unsupported('ringback'),
    played: () => [],
    placeInbound: unsupported('inbound calls'),
    dtmfReceived: () => '',
    onHold: () => false,
    live(id) {
      const { sid, leg } = legOf(id);
      const status = fake.calls.get(sid)?.legs[leg]?.status;
      return status === 'ringing' || status === 'in-progress';
    },
    bridgeOf: () => undefined,
    async close() {
      await close();
      await receiver.close();
      await fake.close();
    },
  };
}
