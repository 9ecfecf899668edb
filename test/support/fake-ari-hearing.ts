import type { FakeChannel, FakePbx } from './fake-ari-pbx.ts';

/**
 * Who hears whom on the fake Asterisk, from its bridges and snoops as the recorded transcripts use them
 * (`conference-three-party`, `snoop`, `snoop-whisper-barge`): a party hears the others in its mixing
 * bridge; a snoop in its bridge brings the spied channel's voice (`spy` in/both) and what that channel
 * hears (`spy` out/both); a snoop with `whisper` out/both brings the voices of its own bridge to the
 * spied channel. A muted party (`mute?direction=in`) is heard by nobody; one on hold hears only music.
 */
export function hearsOnPbx(pbx: FakePbx, channelId: string): string[] {
  const channel = pbx.channels.get(channelId);
  if (!channel || channel.ending || held(channel)) return [];
  const heard = new Set<string>();
  for (const other of others(channel)) {
    if (other.direction !== 'snoop') {
      if (audible(other)) heard.add(other.id);
      continue;
    }
    const spied = other.snoopOf === undefined ? undefined : pbx.channels.get(other.snoopOf);
    if (!spied) continue;
    if ((other.spy === 'in' || other.spy === 'both') && audible(spied)) heard.add(spied.id);
    if (other.spy === 'out' || other.spy === 'both') {
      for (const party of others(spied))
        if (party.direction !== 'snoop' && audible(party)) heard.add(party.id);
    }
  }
  for (const snoop of pbx.channels.values()) {
    if (snoop.snoopOf !== channel.id || (snoop.whisper !== 'out' && snoop.whisper !== 'both')) continue;
    for (const party of others(snoop)) if (party.direction !== 'snoop' && audible(party)) heard.add(party.id);
  }
  heard.delete(channel.id);
  return [...heard];
}

const held = (channel: FakeChannel) => channel.onHold || channel.moh;
const audible = (channel: FakeChannel) => !channel.ending && !channel.muted && !held(channel);
const others = (channel: FakeChannel) => (channel.bridge?.members ?? []).filter((m) => m !== channel);
