import { parseAddress } from '../core/address.ts';
import { type Address, type CallSnapshot, type EndReason, isHangupCause } from '../core/call.ts';
import { SwitchboardError } from '../core/errors.ts';
import { timeOrderedId } from '../core/ids.ts';
import { attendedTransfer, onTargetGone } from './attended-transfer.ts';
import { requireCapability } from './capabilities.ts';
import type { CommandContext } from './command-context.ts';
import { type Leg, LiveCall } from './live-call.ts';
import type {
  AgentOffer,
  AgentWithdrawal,
  CallDistribution,
  OfferResult,
  OnlyIfWaiting,
  QueuedCallCommand,
} from './types.ts';

/** The commands of call distribution (ACD, emergency, dialer): waiting in queues and offers to agents. */
export class DistributionCommands implements CallDistribution {
  constructor(private readonly ctx: CommandContext) {}

  enqueue(callId: string, queueId: string): Promise<CallSnapshot> {
    const { ops } = this.ctx;
    return this.ctx.command(callId, async (call) => {
      call.check('enqueue');
      const caller = waitingRemote(call);
      // A call already waiting (with or without a caller yet) may move queues; otherwise there must be
      // a caller (or a dialled party who answered: a campaign's contact) to put on hold, and nobody may
      // have taken the call.
      const movable = caller !== undefined || call.status === 'queued';
      if (!movable || call.openOffers().length > 0 || call.agentId !== undefined) {
        throw new SwitchboardError(
          'INVALID_STATE',
          'Only a call that nobody has taken can wait in a queue.',
          {
            callId,
            status: call.status,
          },
        );
      }
      if (caller && caller.status !== 'answered') {
        await ops.deps.driver.answer(caller.id);
        ops.legAnswered(caller);
      }
      if (caller) await ops.holdLeg(caller);
      call.apply('enqueue');
      call.queueId = queueId;
      await ops.publish(call, 'call.queued', { queueId });
    });
  }

  async createQueued(command: QueuedCallCommand): Promise<CallSnapshot> {
    const { ops, defaultCountry } = this.ctx;
    const to = parseAddress(command.to, 'to', defaultCountry);
    const from = command.from === undefined ? to : parseAddress(command.from, 'from', defaultCountry);
    // A panic button is never refused for load: emergencies go past MAX_LIVE_CALLS (they still count).
    this.ctx.assertCanStartCall(command.flags?.emergency === true);
    const call = new LiveCall(timeOrderedId(), 'outbound', from, to, ops.now(), command.context);
    // Through the table like every status: a new call starts ringing; `enqueue` makes it wait.
    call.apply('enqueue');
    call.queueId = command.queueId;
    call.flags = command.flags;
    ops.register(call);
    return this.ctx.run(call.id, async () => {
      await this.ctx.announce(call, 'call.queued', { queueId: command.queueId });
      return call.snapshot(ops.now());
    });
  }

  async offer(callId: string, offer: AgentOffer): Promise<string> {
    const [result] = await this.offerAll(callId, [offer]);
    if ('error' in result!) throw result.error;
    return result!.legId;
  }

  async offerAll(callId: string, offers: readonly AgentOffer[]): Promise<OfferResult[]> {
    const { ops } = this.ctx;
    requireCapability(ops.deps.driver, 'bridging', 'offer a call to an agent (it cannot join other parties)');
    const results: OfferResult[] = new Array(offers.length);
    const valid: Array<{ readonly index: number; readonly offer: AgentOffer; readonly endpoint: Address }> =
      [];
    offers.forEach((offer, index) => {
      try {
        valid.push({
          index,
          offer,
          endpoint: parseAddress(offer.endpoint, 'endpoint', this.ctx.defaultCountry),
        });
      } catch (error) {
        results[index] = { error };
      }
    });
    if (valid.length === 0) return results;
    try {
      await this.ctx.command(callId, async (call) => {
        call.check('ring');
        if (call.queueId === undefined || call.agentId !== undefined) {
          throw new SwitchboardError(
            'INVALID_STATE',
            'Only a call waiting in a queue can be offered to an agent.',
            {
              callId,
              status: call.status,
            },
          );
        }
        call.apply('ring');
        const dials = valid.map(({ offer, endpoint }) => {
          const dialled = ops.dial(call, 'agent', endpoint, offer.timeoutMs, offer.agentId);
          // dial adds its leg before it first waits, so the newest leg is this offer's.
          const leg = call.legs.at(-1)!;
          return dialled.then(
            () => ({ leg, refused: false, error: undefined }),
            (error: unknown) => ({ leg, refused: true, error }),
          );
        });
        const dialled = await Promise.all(dials);
        const announced = dialled.map(({ leg, refused }, i) => {
          if (refused) ops.legEnded(leg, 'unreachable');
          return ops.publish(call, 'call.offered', { legId: leg.id, agentId: valid[i]!.offer.agentId });
        });
        await Promise.all(announced);
        for (const [i, { leg, refused, error }] of dialled.entries()) {
          results[valid[i]!.index] = { legId: leg.id };
          if (!refused) continue;
          await ops.endOffer(call, leg, 'unreachable');
          ops.deps.log.warn({ err: error, callId, agentId: leg.agentId }, 'offer refused by the driver');
        }
      });
    } catch (error) {
      for (const { index } of valid) results[index] ??= { error };
    }
    return results;
  }

  async withdrawOffer(callId: string, legId: string): Promise<void> {
    const { ops } = this.ctx;
    await this.ctx.command(callId, async (call) => {
      const leg = call.openOffers().find((l) => l.id === legId);
      if (!leg) return; // already answered, rung out or withdrawn: the outcome event says which
      await ops.hangupLeg(leg, 'canceled');
      await ops.endOffer(call, leg, 'canceled');
    });
  }

  async withdrawAgent(callId: string, agentId: string): Promise<AgentWithdrawal> {
    const { ops } = this.ctx;
    let outcome: AgentWithdrawal = 'nothing';
    await this.ctx.command(callId, async (call) => {
      const legs = call.legs.filter((l) => l.agentId === agentId && l.live);
      if (call.agentId === agentId || legs.some((l) => l.status === 'answered')) {
        outcome = 'answered';
        return;
      }
      const offer = legs.find((l) => l.role === 'agent');
      const transfer = legs.find((l) => l.role === 'transfer_target');
      if (offer) {
        await ops.hangupLeg(offer, 'canceled');
        await ops.endOffer(call, offer, 'canceled');
      } else if (transfer) {
        // As when the target does not answer: the transfer fails, and the call ends unless an attended
        // transfer's transferring party is there to take it back.
        await ops.hangupLeg(transfer, 'canceled');
        const attended = attendedTransfer(call);
        const takenBack =
          attended?.targetLegId === transfer.id &&
          (await onTargetGone(ops, call, attended, transfer, 'canceled'));
        if (!takenBack) await ops.finish(call, 'canceled');
      } else return;
      outcome = 'withdrawn';
    });
    return outcome;
  }

  end(callId: string, reason: EndReason, options: OnlyIfWaiting = {}): Promise<CallSnapshot> {
    return this.ctx.command(callId, async (call) => {
      if (options.onlyIfWaiting) assertWaiting(call);
      call.check('end');
      await this.ctx.ops.finish(call, reason, isHangupCause(reason) ? reason : 'normal');
    });
  }
}

/** For {@link OnlyIfWaiting}: refuses once an agent has taken the call. */
export function assertWaiting(call: LiveCall): void {
  if (call.agentId !== undefined || (call.status !== 'queued' && call.status !== 'ringing')) {
    throw new SwitchboardError(
      'INVALID_STATE',
      'The caller is no longer waiting: someone has taken the call.',
      {
        callId: call.id,
        status: call.status,
      },
    );
  }
}

/**
 * The remote party a call waits with in a queue: an inbound caller, or the answered callee of an
 * outbound call dialled without a caller of its own (a campaign's contact, connected to an agent
 * through a queue). A click-to-dial's callee has its caller, so it is never handed to a queue.
 */
export function waitingRemote(call: LiveCall): Leg | undefined {
  const caller = call.legs.find((l) => l.role === 'caller' && l.live);
  if (call.direction === 'inbound') return caller;
  if (call.legs.some((l) => l.role === 'caller')) return undefined;
  return call.legs.find((l) => l.role === 'callee' && l.live && l.status === 'answered');
}
