import { DriverError } from '../driver.ts';
import type { AriClient } from './ari-client.ts';
import { toDriverError } from './ari-errors.ts';
import type { BridgeRecord, DriverState, Membership } from './driver-state.ts';
import { SNOOP_ARG } from './event-router.ts';

export interface RoleDeps {
  readonly client: AriClient;
  readonly state: DriverState;
  readonly app: string;
  /** A fresh id for a snoop channel the driver makes. */
  readonly snoopId: (supervisorId: string) => string;
}

/**
 * Supervisor roles with ARI's snoop channels: a supervisor never enters the call's bridge. A snoop on
 * the agent's channel (`spy=both`: both directions) is put with the supervisor in a side bridge;
 * `whisper=out` lets the supervisor's voice reach the agent alone. Changing role swaps the snoop in the
 * side bridge, as the recorded snoop transcript does: new snoop, remove the old one, add the new one,
 * hang the old one up.
 */
export async function joinAsSupervisor(
  deps: RoleDeps,
  bridge: BridgeRecord,
  channelId: string,
  role: 'listen' | 'whisper',
): Promise<void> {
  const { client, state } = deps;
  const existing = bridge.members.get(channelId);
  const target = spiedChannel(deps.state, bridge, channelId);
  if (!target) {
    throw new DriverError(
      'invalid',
      `bridge "${bridge.id}" has nobody to ${role === 'listen' ? 'listen' : 'whisper'} to yet; add the parties first`,
    );
  }
  const what = `${role} on bridge "${bridge.id}"`;
  try {
    if (existing?.role === 'normal') {
      await client.request('POST', `/bridges/${enc(bridge.id)}/removeChannel`, { channel: channelId });
    }
    const snoopId = deps.snoopId(channelId);
    state.track(snoopId, 'snoop');
    try {
      await client.request('POST', `/channels/${enc(target)}/snoop`, {
        app: deps.app,
        spy: 'both',
        whisper: role === 'whisper' ? 'out' : 'none',
        snoopId,
        appArgs: SNOOP_ARG,
      });
    } catch (error) {
      state.forget(snoopId);
      throw error;
    }
    const side = existing?.sideBridgeId ?? `${channelId}-supervise`;
    if (!existing?.sideBridgeId) {
      await client.request('POST', '/bridges', { type: 'mixing', bridgeId: side, name: side });
    }
    const oldSnoop = existing?.snoopId;
    if (oldSnoop) await client.request('POST', `/bridges/${enc(side)}/removeChannel`, { channel: oldSnoop });
    await client.request('POST', `/bridges/${enc(side)}/addChannel`, { channel: snoopId });
    if (!existing?.sideBridgeId) {
      await client.request('POST', `/bridges/${enc(side)}/addChannel`, { channel: channelId });
    }
    const membership = state.join(bridge, channelId, role);
    membership.snoopId = snoopId;
    membership.sideBridgeId = side;
    if (oldSnoop) await hangupQuietly(client, oldSnoop);
  } catch (error) {
    throw toDriverError(error, what);
  }
}

/**
 * Takes a supervisor out: its snoop and side bridge go. `stillThere` is false when the supervisor's
 * channel is gone already, so there is nothing to remove it from.
 */
export async function leaveAsSupervisor(
  client: AriClient,
  membership: Membership,
  stillThere: boolean,
): Promise<void> {
  const { sideBridgeId, snoopId } = membership;
  if (sideBridgeId && stillThere) {
    await client
      .request('POST', `/bridges/${enc(sideBridgeId)}/removeChannel`, { channel: membership.channelId })
      .catch(() => undefined);
  }
  if (snoopId) await hangupQuietly(client, snoopId);
  if (sideBridgeId) await client.request('DELETE', `/bridges/${enc(sideBridgeId)}`).catch(() => undefined);
}

/**
 * Whom a supervisor hears (and whispers to): the bridge's agent, taken to be the first party dialled
 * to an endpoint (an agent's phone rather than a phone number); failing that, the first party.
 */
function spiedChannel(state: DriverState, bridge: BridgeRecord, supervisorId: string): string | undefined {
  const parties = [...bridge.members.values()]
    .filter((m) => m.role === 'normal' && m.channelId !== supervisorId && state.channels.has(m.channelId))
    .sort((a, b) => a.order - b.order);
  const agent = parties.find((m) => state.channels.get(m.channelId)?.address?.kind === 'endpoint');
  return (agent ?? parties[0])?.channelId;
}

async function hangupQuietly(client: AriClient, channelId: string): Promise<void> {
  // A snoop ends by itself with the channel it spies on: 404 is the expected answer then.
  await client.request('DELETE', `/channels/${enc(channelId)}`).catch(() => undefined);
}

const enc = encodeURIComponent;
