import type { BridgeRole } from '../driver.ts';

/** What hearing reads of a simulator channel (`SimChannel`, which shows it in its snapshot). */
export interface HearingParty {
  readonly id: string;
  readonly live: boolean;
  readonly held: boolean;
  readonly muted: boolean;
  readonly dialledEndpoint: boolean;
  readonly bridgeRole: BridgeRole | undefined;
  readonly bridge: { readonly members: Iterable<HearingParty> } | undefined;
}

/**
 * Who hears whom in the simulator, from the bridge roles of the driver contract: in a bridge, a
 * `normal` party is heard by everyone in it; a `whisper` party by the bridge's agent alone; a `listen`
 * party by nobody. A muted or held party is heard by nobody, and a held one hears only its music.
 */
export function heardBy(ch: HearingParty): string[] {
  const bridge = ch.bridge;
  if (!bridge || !ch.live || ch.held) return [];
  const agent = agentOf(bridge);
  const heard: string[] = [];
  for (const other of bridge.members) {
    if (other === ch || other.muted || other.held) continue;
    if (other.bridgeRole === 'normal' || (other.bridgeRole === 'whisper' && ch === agent))
      heard.push(other.id);
  }
  return heard;
}

/** The party a whisper reaches: the first `normal` one dialled to an endpoint (a phone), else the first. */
function agentOf(bridge: { readonly members: Iterable<HearingParty> }): HearingParty | undefined {
  let first: HearingParty | undefined;
  for (const member of bridge.members) {
    if (member.bridgeRole !== 'normal') continue;
    if (member.dialledEndpoint) return member;
    first ??= member;
  }
  return first;
}
