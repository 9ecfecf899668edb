import { type BridgeRole, DriverError } from '../driver.ts';
import type { SimBridge, SimChannel } from './channel.ts';

const BRIDGE_ROLES: readonly string[] = ['normal', 'listen', 'whisper'];

/** The simulator's bridges and which channel sits in which, with its role. */
export class SimBridges {
  private readonly bridges = new Map<string, SimBridge>();

  /** Called for each bridge that goes, before it is forgotten (its recordings finish). */
  constructor(private readonly onGone: (bridge: SimBridge) => void) {}

  create(bridgeId: string): void {
    if (typeof bridgeId !== 'string' || bridgeId === '') {
      throw new DriverError('invalid', 'a bridge needs an id');
    }
    if (this.bridges.has(bridgeId)) throw new DriverError('invalid', `bridge "${bridgeId}" exists already`);
    this.bridges.set(bridgeId, { id: bridgeId, members: [], recordings: undefined });
  }

  /** The bridge with this id; `not_found` if there is none. */
  get(bridgeId: string): SimBridge {
    const bridge = this.bridges.get(bridgeId);
    if (!bridge) throw new DriverError('not_found', `no bridge "${bridgeId}"`);
    return bridge;
  }

  /** Adds a channel (moving it out of another bridge); adding it again changes its role. */
  add(bridge: SimBridge, ch: SimChannel, role: BridgeRole): void {
    if (!BRIDGE_ROLES.includes(role)) {
      throw new DriverError('invalid', `unknown bridge role "${role}"; use normal, listen or whisper`);
    }
    if (ch.bridge !== bridge) {
      leaveBridge(ch);
      // Two or three members for a bridge's whole life: an exact-size array, not a Set's hash table.
      bridge.members = bridge.members.concat([ch]);
    }
    ch.bridge = bridge;
    ch.bridgeRole = role;
  }

  remove(bridge: SimBridge, ch: SimChannel): void {
    if (ch.bridge !== bridge) {
      throw new DriverError('invalid', `channel "${ch.id}" is not in bridge "${bridge.id}"`);
    }
    leaveBridge(ch);
  }

  /** Destroys a bridge; its channels stay up outside any bridge. */
  drop(bridge: SimBridge): void {
    for (const ch of bridge.members) {
      ch.bridge = undefined;
      ch.bridgeRole = undefined;
    }
    bridge.members = [];
    this.onGone(bridge);
    this.bridges.delete(bridge.id);
  }

  dropAll(): void {
    for (const bridge of [...this.bridges.values()]) this.drop(bridge);
  }
}

/** Takes a channel out of its bridge, if it is in one. */
export function leaveBridge(ch: SimChannel): void {
  if (!ch.bridge) return;
  ch.bridge.members = ch.bridge.members.filter((member) => member !== ch);
  ch.bridge = undefined;
  ch.bridgeRole = undefined;
}
