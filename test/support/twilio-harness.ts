import { VirtualClock } from '../../src/core/clock.ts';
import { TwilioDriver } from '../../src/telephony/twilio/twilio-driver.ts';
import { engineOnCloud } from './cloud-engine.ts';
import { ACCOUNT_SID, AUTH_TOKEN, FakeTwilio } from './fake-twilio.ts';
import type { PartyHarness } from './party-scenarios.ts';
import { startProviderCallbackServer } from './provider-callback-server.ts';

export const TWILIO_NUMBER = '+15005550006';

export type TwilioHarness = PartyHarness & {
  readonly fake: FakeTwilio;
  readonly driver: TwilioDriver;
  /** The fake's call SID behind a channel. */
  sidOf(channelId: string): string;
};

/** The engine on the Twilio driver, against the fake Twilio, with callbacks through a receiver. */
export async function twilioHarness(): Promise<TwilioHarness> {
  const clock = new VirtualClock();
  const fake = new FakeTwilio(clock);
  const apiBaseUrl = await fake.listen();
  const receiver = await startProviderCallbackServer();
  const driver = new TwilioDriver({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    callerId: TWILIO_NUMBER,
    publicBaseUrl: receiver.url,
    apiBaseUrl,
    mediaBaseUrl: 'https://media.example.com',
    fetch,
    clock,
  });
  receiver.attach(driver);
  fake.voiceUrl = `${receiver.url}/api/v1/telephony/twilio/voice`;
  fake.statusUrl = `${receiver.url}/api/v1/telephony/twilio/status`;
  const { engine, close } = await engineOnCloud(driver, clock, fake, () => driver.idle());
  const sids = new Map<string, string>();
  const sidOf = (channelId: string) => {
    const sid = sids.get(channelId);
    if (!sid) throw new Error(`no Twilio call known for channel ${channelId}`);
    return sid;
  };
  const call = (channelId: string) => fake.call(sidOf(channelId));
  const act = async (work: () => void) => {
    work();
    await clock.advance(0);
  };
  /** The channel behind a fake call: named in its TwiML URL (outbound), or made of its SID (inbound). */
  const channelOf = (sid: string) => {
    const found = fake.call(sid);
    return (found.url && new URL(found.url).searchParams.get('channel')) || `twilio-${sid}`;
  };
  /** Media URLs played as the media URIs asked for (`sound:x`, `tone:x`). */
  const asMedia = (url: string) =>
    url.replace(/^https:\/\/media\.example\.com\/(sound|tone)\/(.+)\.wav$/, '$1:$2');
  const toOf = (address: string) => (address.startsWith('+') ? address : `client:${address}`);
  return {
    fake,
    driver,
    sidOf,
    engine,
    clock,
    advance: (ms) => clock.advance(ms),
    async dialled(address) {
      await clock.advance(0);
      const found = fake.callTo(toOf(address));
      const channelId = found?.url && new URL(found.url).searchParams.get('channel');
      if (!found || !channelId) throw new Error(`nothing dialled to ${address}`);
      sids.set(channelId, found.sid);
      return channelId;
    },
    partyAnswer: (id) => act(() => fake.partyAnswer(sidOf(id))),
    partyBusy: (id) => act(() => fake.partyBusy(sidOf(id))),
    partyHangup: (id) => act(() => fake.partyHangup(sidOf(id))),
    partyDtmf: (id, digit) => act(() => fake.partyDtmf(sidOf(id), digit)),
    partyLost: async () => {
      throw new Error('Twilio keeps no connection to lose');
    },
    pbxRestart: async () => {
      throw new Error('Twilio does not restart');
    },
    unknownParty: (address) => fake.unknownNumbers.add(toOf(address)),
    ringback: (id) => call(id).looping?.includes('/tone/ring') ?? false,
    played: (id) => call(id).played.map(asMedia),
    async placeInbound(from, to) {
      const sid = fake.inboundCall(from, to);
      await clock.advance(0);
      const channelId = `twilio-${sid}`;
      sids.set(channelId, sid);
      return channelId;
    },
    dtmfReceived: (id) => call(id).digitsSent,
    onHold: (id) => call(id).looping?.includes('hold-music') ?? false,
    live: (id) => !['completed', 'busy', 'no-answer', 'failed', 'canceled'].includes(call(id).status),
    bridgeOf: (id) => call(id).conference?.name,
    hears: (id) => hearsOnTwilio(fake, sidOf(id)).map(channelOf),
    async close() {
      await close();
      await receiver.close();
      await fake.close();
    },
  };
}

/**
 * Who hears whom in the fake Twilio's conferences, as Twilio documents its participants: a party hears
 * the others in its conference, but not one `muted` or on hold, and a `coach` only when it is the party
 * coached. A party on hold, or out of its conference (hearing a prompt), hears none of them.
 */
export function hearsOnTwilio(fake: FakeTwilio, sid: string): string[] {
  const call = fake.call(sid);
  const room = call.conference?.name;
  if (!room || call.conference?.held) return [];
  return fake
    .conferenceMembers(room)
    .filter((other) => other !== sid)
    .filter((other) => {
      const seat = fake.call(other).conference;
      return (
        seat !== undefined && !seat.muted && !seat.held && (seat.coach === undefined || seat.coach === sid)
      );
    });
}
