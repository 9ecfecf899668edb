import { isBareName } from '../../core/address.ts';
import type { Agent, AgentProfile, PhoneProvisioning } from '../../core/agent.ts';
import type { CallSnapshot } from '../../core/call.ts';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { SwitchboardError } from '../../core/errors.ts';
import type { DomainEvent, NewDomainEvent, QueueStats } from '../../core/events.ts';
import type { CallPriority, QueueConfig } from '../../core/queue.ts';
import type { InboundRoute, RouteDestination } from '../../core/routing.ts';
import { KeyedSerialQueue } from '../../engine/serial-queue.ts';
import type { CallControl, CallDistribution, CallMedia, EventFeed } from '../../engine/types.ts';
import type { Store } from '../../store/types.ts';
import { indexMembers, membersOf, moveAgent } from './agent-book.ts';
import type { AcdContext, AcdLog, AcdOptions, DistributionCounters } from './context.ts';
import {
  dispatch,
  dispatchFor,
  enqueue,
  leave,
  leaveEnded,
  newRuntime,
  offerEnded,
  refreshPositions,
  runtimeOf,
} from './distributor.ts';
import { agentView, type LiveAgent } from './live-agent.ts';
import { queueStats, rollInterval } from './queue-stats.ts';
import { RouteTable } from './route-table.ts';

export interface AcdDeps {
  readonly engine: CallControl & CallDistribution & CallMedia & { readonly events: EventFeed };
  readonly publish: (event: NewDomainEvent) => Promise<unknown>;
  readonly store: Pick<Store, 'agents' | 'queues' | 'routes' | 'agentStates'>;
  readonly clock: Clock;
  readonly log?: AcdLog;
  readonly options?: AcdOptions;
  /** Where agents' phones are written on the PBX (Asterisk realtime), when configured. */
  readonly phones?: PhoneProvisioning;
  /** Where inbound calls go when no route matches (default `app`: they ring for the business application). */
  readonly defaultRoute?: RouteDestination;
}

/** Apps that take calls the routing table sends them (the IVR registers `ivr`). */
export type RouteHandler = (callId: string, destination: RouteDestination) => Promise<void>;

const SILENT: AcdLog = { warn: () => {}, error: () => {} };

/**
 * The ACD: agents and their states, queues and their callers, the inbound routing table, and the
 * distribution of waiting callers to free agents. It reacts to engine events and issues engine
 * commands; all of its work runs in one ordered lane so that reservations stay consistent.
 */
export class AcdService {
  private readonly ctx: AcdContext;
  private readonly lane = new KeyedSerialQueue();
  private routes = new RouteTable([]);
  private readonly handlers = new Map<RouteDestination['kind'], RouteHandler>();
  private unsubscribe: (() => void) | undefined;
  private statsTimer: TimerHandle | undefined;

  constructor(private readonly deps: AcdDeps) {
    const log = deps.log ?? SILENT;
    this.ctx = {
      engine: deps.engine,
      publish: deps.publish,
      stateLog: deps.store.agentStates,
      clock: deps.clock,
      log,
      agents: new Map(),
      queues: new Map(),
      waiting: new Map(),
      wrapUps: new Map(),
      distribution: { attempts: 0, failures: 0, dropped: 0, backoffs: 0 },
      options: {
        maxMissedOffers: 3,
        statsEveryMs: 60_000,
        intervalMs: 15 * 60_000,
        random: Math.random,
        announce: true,
        ...deps.options,
      },
      schedule: (work) => {
        void this.lane.run('acd', work).catch((err) => log.error({ err }, 'ACD work failed'));
      },
    };
  }

  /** Loads agents (all offline after a start), queues and routes, then follows the engine's events. */
  async start(): Promise<void> {
    const [agents, queues, routes] = await Promise.all([
      this.deps.store.agents.list(),
      this.deps.store.queues.list(),
      this.deps.store.routes.list(),
    ]);
    for (const profile of agents) this.ctx.agents.set(profile.id, this.newAgent(profile));
    for (const config of queues) this.installQueue(config);
    this.routes = new RouteTable(routes);
    this.unsubscribe = this.deps.engine.events.subscribe((event) => this.onEvent(event));
    this.armStatsTimer();
  }

  stop(): void {
    this.unsubscribe?.();
    if (this.statsTimer) this.ctx.clock.clearTimer(this.statsTimer);
    for (const timer of this.ctx.wrapUps.values()) this.ctx.clock.clearTimer(timer);
    for (const call of this.ctx.waiting.values()) {
      if (call.timer) this.ctx.clock.clearTimer(call.timer);
      if (call.retry) this.ctx.clock.clearTimer(call.retry);
    }
  }

  /** Resolves when no ACD work is queued. */
  idle(): Promise<void> {
    return this.lane.idle();
  }

  get busy(): boolean {
    return this.lane.size > 0;
  }

  /**
   * The distributor's figures since start and the ACD work waiting its turn: offer attempts climbing
   * with failures while nobody is offered, or work piling up, show a distributor that is stuck.
   */
  distributionFigures(): DistributionCounters & { readonly pendingWork: number } {
    return { ...this.ctx.distribution, pendingWork: this.lane.size };
  }

  /** Lets another app take calls routed to its kind of destination. */
  handle(kind: RouteDestination['kind'], handler: RouteHandler): void {
    this.handlers.set(kind, handler);
  }

  // --- agents ---

  listAgents(): Agent[] {
    return [...this.ctx.agents.values()].map(agentView).sort((a, b) => a.id.localeCompare(b.id));
  }

  getAgent(id: string): Agent {
    return agentView(this.agent(id));
  }

  /** Creates or replaces an agent's profile; their live state is kept. */
  saveAgent(input: AgentProfile): Promise<Agent> {
    return this.run(async () => {
      const existing = this.ctx.agents.get(input.id);
      const profile = keepPhonePassword(input, existing?.profile);
      await this.deps.store.agents.save(profile);
      await this.deps.phones?.saved(profile, existing?.profile);
      if (existing) existing.profile = profile;
      else this.ctx.agents.set(profile.id, this.newAgent(profile));
      return agentView(this.ctx.agents.get(profile.id)!);
    });
  }

  /** Removes an agent who is logged out. */
  deleteAgent(id: string): Promise<void> {
    return this.run(async () => {
      const agent = this.agent(id);
      if (agent.state !== 'offline') {
        throw new SwitchboardError('INVALID_STATE', `Agent ${id} is ${agent.state}; log them out first.`, {
          agentId: id,
          state: agent.state,
        });
      }
      await this.deps.store.agents.delete(id);
      this.ctx.agents.delete(id);
      await this.deps.phones?.deleted(agent.profile);
    });
  }

  login(id: string): Promise<Agent> {
    return this.run(async () => {
      const agent = this.agent(id);
      await moveAgent(this.ctx, agent, 'login');
      await dispatchFor(this.ctx, agent);
      return agentView(agent);
    });
  }

  logout(id: string): Promise<Agent> {
    return this.run(async () => {
      const agent = this.agent(id);
      await this.withdrawAndMove(agent, 'logout');
      await this.overflowEmptyQueues(agent);
      return agentView(agent);
    });
  }

  pause(id: string, reason: string): Promise<Agent> {
    return this.run(async () => {
      const agent = this.agent(id);
      await this.withdrawAndMove(agent, 'pause', reason);
      return agentView(agent);
    });
  }

  unpause(id: string): Promise<Agent> {
    return this.run(async () => {
      const agent = this.agent(id);
      await moveAgent(this.ctx, agent, 'unpause');
      await dispatchFor(this.ctx, agent);
      return agentView(agent);
    });
  }

  // --- queues ---

  listQueues(): QueueConfig[] {
    return [...this.ctx.queues.values()]
      .map((q) => q.config)
      .filter((q) => !q.id.includes(':'))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  getQueue(id: string): QueueConfig {
    return this.queue(id).config;
  }

  /** Creates or replaces a queue; callers already waiting stay, and are offered by the new rules. */
  saveQueue(config: QueueConfig): Promise<QueueConfig> {
    return this.run(async () => {
      for (const id of config.members) {
        if (!this.ctx.agents.has(id)) {
          throw new SwitchboardError('AGENT_NOT_FOUND', `members: no agent has id "${id}".`, { agentId: id });
        }
      }
      await this.deps.store.queues.save(config);
      this.installQueue(config);
      await dispatch(this.ctx, config.id);
      return config;
    });
  }

  deleteQueue(id: string): Promise<void> {
    return this.run(async () => {
      const queue = this.queue(id);
      if (queue.waiting.size > 0) {
        throw new SwitchboardError(
          'INVALID_STATE',
          `Queue ${id} has ${queue.waiting.size} callers waiting.`,
          {
            queueId: id,
            waiting: queue.waiting.size,
          },
        );
      }
      await this.deps.store.queues.delete(id);
      for (const agent of this.ctx.agents.values()) agent.queues.delete(id);
      this.ctx.queues.delete(id);
    });
  }

  stats(id: string): QueueStats {
    const queue = this.queue(id);
    rollInterval(queue.counters, this.ctx.clock.now(), this.ctx.options.intervalMs);
    return queueStats(queue, membersOf(this.ctx, id), this.ctx.clock.now());
  }

  /** Callers waiting in a queue, in offer order. */
  waitingIn(
    id: string,
  ): { callId: string; priority: CallPriority; enteredAt: string; offeredTo: string[] }[] {
    return this.queue(id)
      .waiting.all()
      .map((c) => ({
        callId: c.callId,
        priority: c.priority,
        enteredAt: new Date(c.enteredAt).toISOString(),
        offeredTo: [...c.offers.values()],
      }));
  }

  /** Puts a call into a queue (used by routing, the IVR and the emergency app). */
  enqueue(callId: string, queueId: string, priority: CallPriority = 'normal'): Promise<void> {
    return this.run(() => enqueue(this.ctx, callId, queueId, priority));
  }

  /** Moves a waiting caller to another queue, keeping its priority; offers in flight are withdrawn. */
  move(callId: string, queueId: string): Promise<void> {
    return this.run(async () => {
      const waiting = this.ctx.waiting.get(callId);
      if (!waiting) {
        throw new SwitchboardError('INVALID_STATE', `Call ${callId} is not waiting in a queue.`, { callId });
      }
      runtimeOf(this.ctx, queueId);
      await leave(this.ctx, waiting, 'moved', { kind: 'queue', queueId });
    });
  }

  // --- inbound routes ---

  listRoutes(): Promise<InboundRoute[]> {
    return this.deps.store.routes.list();
  }

  saveRoute(route: InboundRoute): Promise<InboundRoute> {
    return this.run(async () => {
      await this.deps.store.routes.save(route);
      this.routes = new RouteTable(await this.deps.store.routes.list());
      return route;
    });
  }

  deleteRoute(id: string): Promise<boolean> {
    return this.run(async () => {
      const deleted = await this.deps.store.routes.delete(id);
      this.routes = new RouteTable(await this.deps.store.routes.list());
      return deleted;
    });
  }

  // --- reactions to engine events ---

  private onEvent(event: DomainEvent): void {
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
        this.ctx.schedule(() => this.onTransferring(event.data.call));
        return;
      case 'call.transferred': {
        const { call } = event.data;
        if (call.agentId !== undefined) this.ctx.schedule(() => this.onAccepted(call, call.agentId!));
        return;
      }
      case 'call.ended':
      case 'call.failed':
        this.ctx.schedule(() => this.onCallEnded(event.data.call));
        return;
      default:
        return;
    }
  }

  private async route(call: CallSnapshot): Promise<void> {
    const route = this.routes.resolve(call.to, call.from, this.ctx.clock.now());
    const destination: RouteDestination = route?.destination ?? this.deps.defaultRoute ?? { kind: 'app' };
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
   * The engine's directory: an agent id in `from` or a transfer's `to` rings that agent's phone. Once a
   * site has agents, a bare name is an agent id unless it is an agent's own device: an unknown one is
   * refused rather than dialled as a device nobody has.
   */
  resolve(name: string): { endpoint: string; agentId: string } | undefined {
    const agent = this.ctx.agents.get(name);
    if (agent) return { endpoint: agent.profile.endpoint, agentId: agent.profile.id };
    if (!isBareName(name) || this.ctx.agents.size === 0 || this.isAgentDevice(name)) return undefined;
    throw new SwitchboardError(
      'AGENT_NOT_FOUND',
      `No agent has id "${name}". To dial a device instead, write it TECH/resource (PJSIP/${name}) or as an extension.`,
      { agentId: name },
    );
  }

  /** Holds an available agent for a call transferred to them (the engine calls it before changing anything). */
  claim(agentId: string, callId: string): void {
    const agent = this.agent(agentId);
    if (agent.state !== 'available') {
      throw new SwitchboardError(
        'AGENT_UNAVAILABLE',
        `Agent ${agentId} is ${agent.state.replace('_', ' ')}; only an available agent can take a transfer.`,
        { agentId, state: agent.state },
      );
    }
    // Reserved now, not in the lane's turn: no queue may offer the agent a caller meanwhile. The lane
    // waits for the record and the event, so they keep their order with the ACD's other work.
    const reserved = moveAgent(this.ctx, agent, 'reserve', { callId });
    this.ctx.schedule(() => reserved);
  }

  private isAgentDevice(name: string): boolean {
    for (const agent of this.ctx.agents.values()) if (agent.profile.endpoint === name) return true;
    return false;
  }

  /** Agents whose legs a transfer ended leave the call at once (wrap-up), not when the call ends. */
  private async onTransferring(call: CallSnapshot): Promise<void> {
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

  /** Logging out or pausing while an offer rings withdraws it; the caller goes back to its place. */
  private async withdrawAndMove(
    agent: LiveAgent,
    transition: 'logout' | 'pause',
    reason?: string,
  ): Promise<void> {
    const callId = agent.state === 'reserved' ? agent.callId : undefined;
    const legId = agent.offerLegId;
    await moveAgent(this.ctx, agent, transition, reason === undefined ? {} : { reason });
    if (callId && legId) await this.ctx.engine.withdrawOffer(callId, legId).catch(() => undefined);
  }

  /** Queues that send callers on when nobody is logged in do so as the last member leaves. */
  private async overflowEmptyQueues(agent: LiveAgent): Promise<void> {
    for (const queueId of agent.queues) {
      const queue = this.ctx.queues.get(queueId);
      if (queue?.config.whenNoAgents !== 'overflow' || !queue.config.overflow) continue;
      if (membersOf(this.ctx, queueId).some((a) => a.state !== 'offline')) continue;
      for (const call of [...queue.waiting.all()])
        await leave(this.ctx, call, 'no_agents', queue.config.overflow);
    }
  }

  private armStatsTimer(): void {
    this.statsTimer = this.ctx.clock.setTimer(this.ctx.options.statsEveryMs, () => {
      this.ctx.schedule(async () => {
        for (const queue of this.ctx.queues.values()) {
          await refreshPositions(this.ctx, queue);
          if (queue.config.id.includes(':')) continue;
          await this.ctx.publish({
            type: 'queue.stats',
            queueId: queue.config.id,
            data: { stats: this.stats(queue.config.id) },
          });
        }
      });
      this.armStatsTimer();
    });
  }

  private installQueue(config: QueueConfig): void {
    const existing = this.ctx.queues.get(config.id);
    if (existing) {
      existing.config = config;
      indexMembers(this.ctx, existing);
    } else {
      this.ctx.queues.set(config.id, newRuntime(this.ctx, config));
    }
    const members = new Set(config.members);
    for (const agent of this.ctx.agents.values()) {
      if (members.has(agent.profile.id)) agent.queues.add(config.id);
      else agent.queues.delete(config.id);
    }
  }

  private newAgent(profile: AgentProfile): LiveAgent {
    const now = this.ctx.clock.now();
    const queues = new Set<string>();
    for (const q of this.ctx.queues.values())
      if (q.config.members.includes(profile.id)) queues.add(q.config.id);
    return {
      profile,
      state: 'offline',
      reason: undefined,
      since: now,
      callId: undefined,
      offerLegId: undefined,
      callsAnswered: 0,
      missedOffers: 0,
      idleSince: now,
      queues,
    };
  }

  private agent(id: string): LiveAgent {
    const agent = this.ctx.agents.get(id);
    if (!agent) throw new SwitchboardError('AGENT_NOT_FOUND', `No agent has id "${id}".`, { agentId: id });
    return agent;
  }

  private queue(id: string) {
    const queue = this.ctx.queues.get(id);
    if (!queue || id.includes(':')) {
      throw new SwitchboardError('QUEUE_NOT_FOUND', `No queue has id "${id}".`, { queueId: id });
    }
    return queue;
  }

  /** Public commands share the one lane with event reactions. */
  private run<T>(work: () => Promise<T>): Promise<T> {
    return this.lane.run('acd', work);
  }
}

/** A phone given without its password (a PATCH, a PUT of the view) keeps the one set before. */
function keepPhonePassword(profile: AgentProfile, previous: AgentProfile | undefined): AgentProfile {
  const password = previous?.phone?.extension === profile.phone?.extension && previous?.phone?.password;
  if (!profile.phone || profile.phone.password || !password) return profile;
  return { ...profile, phone: { ...profile.phone, password } };
}
