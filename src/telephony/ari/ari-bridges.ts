import { type BridgeRole, DriverError } from '../driver.ts';
import { type AriContext, enc } from './ari-context.ts';
import { joinAsSupervisor, leaveAsSupervisor } from './bridge-roles.ts';

/** Bridge commands of the ARI driver: mixing bridges, and supervisors joined through snoops. */

const BRIDGE_ROLES: readonly BridgeRole[] = ['normal', 'listen', 'whisper'];

export async function createBridge(ctx: AriContext, bridgeId: string): Promise<void> {
  ctx.assertRunning();
  if (typeof bridgeId !== 'string' || bridgeId === '')
    throw new DriverError('invalid', 'a bridge needs an id');
  if (ctx.state.bridges.has(bridgeId))
    throw new DriverError('invalid', `bridge "${bridgeId}" exists already`);
  await ctx.call(
    'POST',
    '/bridges',
    { type: 'mixing', bridgeId, name: bridgeId },
    `creating bridge ${bridgeId}`,
  );
  ctx.state.trackBridge(bridgeId);
}

/** Destroys a bridge; its channels stay up. Supervisors' snoops and side bridges go with it. */
export async function destroyBridge(ctx: AriContext, bridgeId: string): Promise<void> {
  ctx.assertRunning();
  const bridge = ctx.state.bridges.get(bridgeId);
  if (bridge) {
    for (const membership of [...bridge.members.values()]) {
      if (membership.role !== 'normal') await leaveAsSupervisor(ctx.client, membership, true);
    }
  }
  await ctx.call('DELETE', `/bridges/${enc(bridgeId)}`, undefined, `destroying bridge ${bridgeId}`);
  ctx.state.dropBridge(bridgeId);
}

export async function addToBridge(
  ctx: AriContext,
  bridgeId: string,
  channelId: string,
  role: BridgeRole = 'normal',
): Promise<void> {
  const channel = ctx.target(channelId);
  if (!BRIDGE_ROLES.includes(role)) {
    throw new DriverError('invalid', `unknown bridge role "${role}"; use normal, listen or whisper`);
  }
  const bridge = ctx.state.bridges.get(bridgeId);
  if (role !== 'normal') {
    if (!bridge) throw new DriverError('not_found', `no bridge "${bridgeId}"`);
    await joinAsSupervisor(
      { client: ctx.client, state: ctx.state, app: ctx.app, snoopId: (id) => ctx.nextSnoopId(id) },
      bridge,
      channelId,
      role,
    );
    return;
  }
  const previous = bridge?.members.get(channelId);
  const supervising = previous && previous.role !== 'normal' ? { ...previous } : undefined;
  await ctx.call(
    'POST',
    `/bridges/${enc(bridgeId)}/addChannel`,
    { channel: channelId },
    `adding ${channelId} to bridge ${bridgeId}`,
    channel,
  );
  const membership = ctx.state.join(bridge ?? ctx.state.trackBridge(bridgeId), channelId, 'normal');
  if (supervising) {
    // A supervisor barging in: addChannel moved it out of its side bridge (`snoop-whisper-barge`);
    // its snoop and the side bridge go afterwards.
    delete membership.snoopId;
    delete membership.sideBridgeId;
    await leaveAsSupervisor(ctx.client, supervising, false);
  }
}

export async function removeFromBridge(ctx: AriContext, bridgeId: string, channelId: string): Promise<void> {
  ctx.target(channelId);
  const bridge = ctx.state.bridges.get(bridgeId);
  const membership = bridge?.members.get(channelId);
  if (bridge && membership && membership.role !== 'normal') {
    bridge.members.delete(channelId);
    await leaveAsSupervisor(ctx.client, membership, true);
    return;
  }
  await ctx.call(
    'POST',
    `/bridges/${enc(bridgeId)}/removeChannel`,
    { channel: channelId },
    `removing ${channelId} from bridge ${bridgeId}`,
  );
  bridge?.members.delete(channelId);
}
