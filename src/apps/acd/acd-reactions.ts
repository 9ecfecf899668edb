import type { CallSnapshot } from '../../core/call.ts';
import { SwitchboardError } from '../../core/errors.ts';
import type { DomainEvent } from '../../core/events.ts';
import type { RouteDestination } from '../../core/routing.ts';
import type { AcdConfiguration } from './acd-configuration.ts';
import { moveAgent } from './agent-book.ts';
import type { AcdContext } from './context.ts';
import { dispatchFor, enqueue, leave, leaveEnded, offerEnded } from './distributor.ts';
import type { LiveAgent } from './live-agent.ts';
import { onEndpointState, watchPhone } from './phone-registration.ts';

/** Apps that take calls the routing table sends them (the IVR registers `ivr`). */
export type RouteHandler = (callId: string, destination: RouteDestination) => Promise<void>;

/**
 * The ACD's side of distribution that follows the calls: inbound calls routed by the table, offers
 * accepted or ended, transfers, and agents released (wrap-up) when their call ends. Each reaction is
 * scheduled in the ACD's one lane.
 */
export class AcdReactions {
  constructor(
    private readonly ctx: AcdContext,
    private readonly config: AcdConfiguration,
    private readonly handlers: ReadonlyMap<RouteDestination['kind'], RouteHandler>,
    private readonly defaultRoute: RouteDestination | undefined,
  ) {}

  /** Reacts to one engine event; the work runs in the ACD's lane. */
  onEvent(event: DomainEvent): void {
    switch (event.type) {
      case 'call.ringing': {
        const call = event.data.call;
        if (call.direction === 'inbound' && call.queueId === undefined && call.legs.length === 1) {
          this.ctx.schedule(() => this.route(call));
        } else if (
          call.direction === 'outbound' &&
          call.agentId !== undefined &&
          call.queueId === undefined
        ) {
          this.ctx.schedule(() => this.onAgentDialled(call.agentId!, call.id));
        }
        return;
      }
      case 'call.offer.ended': {
        const { legId, agentId, reason } = event.data;
        this.ctx.schedule(() => offerEnded(this.ctx, event.data.call.id, legId, agentId, reason));
        return;
      }
      case 'call.offer.accepted':
        this.ctx.schedule(() => this.onAccepted(event.data.call, event.data.agentId));
        return;
      case 'call.transferring':
      case 'call.leg.ended':
        this.ctx.schedule(() => this.releaseLeft(event.data.call));
        return;
      case 'call.transferred': {
        const { call } = event.data;
        this.ctx.schedule(async () => {
          await this.releaseLeft(call);
          if (call.agentId !== undefined) await this.onAccepted(call, call.agentId);
        });
        return;
      }
      case 'call.transfer.failed':
      case 'call.transfer.canceled':
        this.ctx.schedule(() => this.onTransferTakenBack(event.data.call));
        return;
      case 'call.participant.joined': {
        // An agent added to a conference has the call (on_call) like one it was transferred to.
        const { call, participant } = event.data;
        if (participant.agentId !== undefined)
          this.ctx.schedule(() => this.onJoined(call, participant.agentId!));
        return;
      }
      case 'call.participant.left': {
        const { call, participant } = event.data;
        if (participant.agentId !== undefined)
          this.ctx.schedule(() => this.onLeft(call, participant.agentId!));
        return;
      }
      case 'call.ended':
      case 'call.failed':
        this.ctx.schedule(() => this.onCallEnded(event.data.call));
        return;
      case 'endpoint.state': {
        const { endpoint, registered } = event.data;
        this.ctx.schedule(() => onEndpointState(this.ctx, endpoint, registered));
        return;
      }
      case 'driver.connected':
        // Back from a reconnection: Asterisk may have forgotten the application's subscriptions.
        for (const agent of this.ctx.agents.values()) watchPhone(this.ctx, agent);
        return;
      default:
        return;
    }
  }

  private async route(call: CallSnapshot): Promise<void> {
    const route = this.config.routes.resolve(call.to, call.from, this.ctx.clock.now());
    const destination: RouteDestination = route?.destination ?? this.defaultRoute ?? { kind: 'app' };
    try {
      switch (destination.kind) {
        case 'queue':
          return await enqueue(this.ctx, call.id, destination.queueId, destination.priority ?? 'normal');
        case 'agent':
          return await enqueue(this.ctx, call.id, `agent:${destination.agentId}`, 'normal');
        case 'number':
          await this.ctx.engine.answer(call.id);
          await this.ctx.engine.transfer(call.id, destination.to);
          return;
        case 'hangup':
          await this.ctx.engine.end(call.id, destination.reason);
          return;
        case 'app':
          return;
        default: {
          const handler = this.handlers.get(destination.kind);
          if (!handler)
            throw new SwitchboardError('NOT_SUPPORTED', `No app takes ${destination.kind} destinations.`);
          await handler(call.id, destination);
        }
      }
    } catch (error) {
      // A route to something that does not exist must not leave the caller ringing forever.
      this.ctx.log.error(
        { err: error, callId: call.id, destination },
        'inbound routing failed; refusing the call',
      );
      await this.ctx.engine.end(call.id, 'rejected').catch(() => undefined);
    }
  }

  /** An agent placed a call of their own: they are busy with it and offered nothing until it ends. */
  private async onAgentDialled(agentId: string, callId: string): Promise<void> {
    const agent = this.ctx.agents.get(agentId);
    if (agent?.state === 'available') await moveAgent(this.ctx, agent, 'dial', { callId });
  }

  /**
   * Agents whose legs a transfer ended leave the call at once (wrap-up), not when the call ends: the
   * one who transferred, an attended transfer's target who hung up or was hung up.
   */
  private async releaseLeft(call: CallSnapshot): Promise<void> {
    const left = new Set<string>();
    for (const leg of call.legs)
      if (leg.agentId !== undefined && leg.endedAt !== undefined) left.add(leg.agentId);
    for (const leg of call.legs)
      if (leg.agentId !== undefined && leg.endedAt === undefined) left.delete(leg.agentId);
    for (const id of left) {
      const agent = this.ctx.agents.get(id);
      if (agent?.callId === call.id) await this.leaveCall(agent, call);
    }
  }

  /**
   * An attended transfer was canceled or failed: the target leaves the call, still held for it if its
   * phone was never rung (the offer's own end frees it otherwise).
   */
  private async onTransferTakenBack(call: CallSnapshot): Promise<void> {
    await this.releaseLeft(call);
    const target = call.transfers?.at(-1)?.agentId;
    const agent = target === undefined ? undefined : this.ctx.agents.get(target);
    if (agent?.state === 'reserved' && agent.callId === call.id) await this.leaveCall(agent, call);
  }

  private async onAccepted(call: CallSnapshot, agentId: string): Promise<void> {
    const waiting = this.ctx.waiting.get(call.id);
    if (waiting) await leave(this.ctx, waiting, 'answered');
    const agent = this.ctx.agents.get(agentId);
    if (agent && agent.state === 'reserved' && agent.callId === call.id) {
      agent.callsAnswered++;
      agent.missedOffers = 0;
      await moveAgent(this.ctx, agent, 'connect', { callId: call.id });
    }
  }

  /** An agent rung to join a conference answered: they are on the call. */
  private async onJoined(call: CallSnapshot, agentId: string): Promise<void> {
    const agent = this.ctx.agents.get(agentId);
    if (agent?.state === 'reserved' && agent.callId === call.id) {
      await moveAgent(this.ctx, agent, 'connect', { callId: call.id });
    }
  }

  /** An agent left a conference that goes on (or never answered): released, or to wrap-up. */
  private async onLeft(call: CallSnapshot, agentId: string): Promise<void> {
    const agent = this.ctx.agents.get(agentId);
    if (agent?.callId === call.id) await this.leaveCall(agent, call);
  }

  private async onCallEnded(call: CallSnapshot): Promise<void> {
    const waiting = this.ctx.waiting.get(call.id);
    // Still waiting when the call ended: the caller gave up (the ACD's own exits leave the queue first).
    if (waiting) await leaveEnded(this.ctx, waiting, call.endReason);
    // The agents this call concerns are the one who took it and those it was offered to: found from
    // the call itself, not by scanning every agent. (An agent reserved for it whose offer was never
    // made is released when the engine refuses that offer.)
    const concerned = new Set<string>();
    if (call.agentId !== undefined) concerned.add(call.agentId);
    for (const leg of call.legs) if (leg.agentId !== undefined) concerned.add(leg.agentId);
    for (const id of concerned) {
      const agent = this.ctx.agents.get(id);
      if (agent?.callId === call.id) await this.leaveCall(agent, call);
    }
  }

  /** The agent is done with the call: an offer still ringing is released, a talk goes to wrap-up. */
  private async leaveCall(agent: LiveAgent, call: CallSnapshot): Promise<void> {
    if (agent.state === 'reserved') await moveAgent(this.ctx, agent, 'offer_failed');
    else if (agent.state === 'on_call') await this.wrapUp(agent, call);
    if (agent.state === 'available') await dispatchFor(this.ctx, agent);
  }

  private async wrapUp(agent: LiveAgent, call: CallSnapshot): Promise<void> {
    const queue = call.queueId ? this.ctx.queues.get(call.queueId) : undefined;
    if (queue && call.answeredAt && call.endedAt) {
      queue.counters.talks++;
      queue.counters.totalTalkMs += Date.parse(call.endedAt) - Date.parse(call.answeredAt);
    }
    await moveAgent(this.ctx, agent, 'call_ended', { callId: call.id });
    const wrapUpMs = queue?.config.wrapUpMs ?? 0;
    if (wrapUpMs === 0) {
      await moveAgent(this.ctx, agent, 'wrap_up_done');
      return;
    }
    const timer = this.ctx.clock.setTimer(wrapUpMs, () =>
      this.ctx.schedule(async () => {
        if (this.ctx.wrapUps.get(agent.profile.id) !== timer || agent.state !== 'wrap_up') return;
        this.ctx.wrapUps.delete(agent.profile.id);
        await moveAgent(this.ctx, agent, 'wrap_up_done');
        await dispatchFor(this.ctx, agent);
      }),
    );
    this.ctx.wrapUps.set(agent.profile.id, timer);
  }
}
