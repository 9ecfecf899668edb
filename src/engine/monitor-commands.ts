import type { BridgeRole, CallSnapshot, EndReason, MonitorMode } from '../core/call.ts';
import { SwitchboardError } from '../core/errors.ts';
import { refusalReason } from './call-refusal.ts';
import type { CallRegistry } from './call-registry.ts';
import type { CommandContext } from './command-context.ts';
import type { Leg, LiveCall } from './live-call.ts';
import { LiveMonitor } from './live-party.ts';
import type { ResolvedParty } from './parties.ts';
import type { CallMonitoring, MonitorCommand } from './types.ts';

/**
 * How each mode sits in the call's main bridge (the driver contract's roles): a listening supervisor
 * hears only, a whispering one is heard by the agent alone, a barging one is a party like the others.
 */
const BRIDGE_ROLE: Readonly<Record<MonitorMode, BridgeRole>> = Object.freeze({
  listen: 'listen',
  whisper: 'whisper',
  barge: 'normal',
});

/** Supervisors listening, whispering or barging in (see {@link CallMonitoring}). */
export class MonitorCommands implements CallMonitoring {
  constructor(private readonly ctx: CommandContext) {}

  async monitor(callId: string, { supervisorId, mode }: MonitorCommand): Promise<CallSnapshot> {
    const { ops } = this.ctx;
    const supervisor = this.supervisor(supervisorId);
    if (!supervisor.roles?.includes('supervisor')) {
      throw new SwitchboardError(
        'FORBIDDEN',
        `Agent ${supervisor.agentId} is not a supervisor; only an agent with the supervisor role may monitor calls.`,
        { supervisorId: supervisor.agentId, roles: supervisor.roles ?? [] },
      );
    }
    return this.ctx.command(callId, async (call) => {
      this.requireRole(mode);
      const current = call.monitors.at(-1);
      if (current?.leg.live) {
        if (current.supervisorId !== supervisor.agentId) {
          throw new SwitchboardError(
            'INVALID_STATE',
            `Supervisor ${current.supervisorId} monitors this call; end that first (DELETE .../monitor).`,
            { callId, supervisorId: current.supervisorId },
          );
        }
        if (current.mode === mode) return;
        const previousMode = current.mode;
        current.mode = mode;
        // A supervisor whose phone still rings takes the new mode when they answer.
        if (current.status === 'active') await placeInBridge(ops, call, current.leg, mode);
        await ops.publish(call, 'call.monitor.changed', { monitor: current.snapshot(), previousMode });
        return;
      }
      const main = call.bridgeOf('main');
      if ((call.status !== 'answered' && call.status !== 'on_hold') || !main) {
        throw new SwitchboardError(
          'INVALID_STATE',
          `Only a call whose parties are connected can be monitored; this one is ${call.status.replace('_', ' ')}.`,
          { callId, status: call.status },
        );
      }
      const id = `${call.id}-monitor-${call.monitors.length + 1}`;
      const ringFor = call.ringTimeoutMs ?? this.ctx.ringTimeoutMs;
      try {
        const leg = await ops.dial(call, 'supervisor', supervisor.address, ringFor, supervisor.agentId);
        call.addMonitor(new LiveMonitor(id, supervisor.agentId, leg, mode, ops.now()));
      } catch (error) {
        ops.deps.log.warn({ err: error, callId }, 'supervisor refused by the driver');
        const leg = call.legs.at(-1)!;
        const monitor = new LiveMonitor(id, supervisor.agentId, leg, mode, ops.now());
        call.addMonitor(monitor);
        ops.legEnded(leg, refusalReason(error));
        await supervisorGone(ops, call, leg, refusalReason(error));
      }
    });
  }

  endMonitor(callId: string): Promise<CallSnapshot> {
    const { ops } = this.ctx;
    return this.ctx.command(callId, async (call) => {
      const current = call.monitors.at(-1);
      if (!current?.leg.live) {
        throw new SwitchboardError('INVALID_STATE', 'Nobody monitors this call.', { callId });
      }
      const reason = current.status === 'active' ? 'normal' : 'canceled';
      await ops.hangupLeg(current.leg, reason);
      await supervisorGone(ops, call, current.leg, reason);
    });
  }

  /** The agent `supervisorId` names; AGENT_NOT_FOUND for anything else (a device, a number). */
  private supervisor(supervisorId: string): ResolvedParty & { readonly agentId: string } {
    let party: ResolvedParty | undefined;
    try {
      party = this.ctx.party(supervisorId, 'supervisorId');
    } catch {
      party = undefined;
    }
    if (party?.agentId === undefined) {
      throw new SwitchboardError('AGENT_NOT_FOUND', `supervisorId: no agent has id "${supervisorId}".`, {
        supervisorId,
      });
    }
    return { ...party, agentId: party.agentId };
  }

  /** Refuses clearly, before anything changes, a mode this driver cannot do. */
  private requireRole(mode: MonitorMode): void {
    const { driver } = this.ctx.ops.deps;
    if (!driver.capabilities.bridgeRoles.includes(BRIDGE_ROLE[mode])) {
      throw new SwitchboardError('NOT_SUPPORTED', `The ${driver.name} driver cannot ${mode}.`, {
        capability: 'bridgeRoles',
        mode,
      });
    }
  }
}

/** Puts the supervisor's leg in the main bridge with the role of `mode` (again, to change it). */
async function placeInBridge(ops: CallRegistry, call: LiveCall, leg: Leg, mode: MonitorMode): Promise<void> {
  const main = call.bridgeOf('main');
  if (!main) throw new SwitchboardError('INVALID_STATE', 'The call has no parties to monitor any more.');
  const role = BRIDGE_ROLE[mode];
  await ops.deps.driver.addToBridge(main.id, leg.id, role);
  leg.bridge = { bridgeId: main.id, role };
}

/** The supervisor answered: they join the call in their mode (`call.monitor.started`). */
export async function supervisorJoined(ops: CallRegistry, call: LiveCall, leg: Leg): Promise<void> {
  const monitor = call.monitors.find((m) => m.leg === leg);
  if (!monitor) return;
  try {
    await placeInBridge(ops, call, leg, monitor.mode);
  } catch (error) {
    // Nobody left to monitor (or the PBX refused): the supervisor is let go, the call goes on.
    ops.deps.log.warn({ err: error, callId: call.id }, 'supervisor could not join the call');
    await ops.hangupLeg(leg, 'normal');
    await supervisorGone(ops, call, leg, 'normal');
    return;
  }
  await ops.publish(call, 'call.monitor.started', { monitor: monitor.snapshot() });
}

/** The supervisor left (hung up, never answered, or was let go): the call goes on without them. */
export async function supervisorGone(
  ops: CallRegistry,
  call: LiveCall,
  leg: Leg,
  reason: EndReason,
): Promise<void> {
  const monitor = call.monitors.find((m) => m.leg === leg);
  if (monitor) await ops.publish(call, 'call.monitor.ended', { monitor: monitor.snapshot(), reason });
}
