import { isBareName } from '../../core/address.ts';
import type { Agent, AgentProfile, PhoneProvisioning } from '../../core/agent.ts';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { SwitchboardError } from '../../core/errors.ts';
import type { NewDomainEvent } from '../../core/events.ts';
import { type Log, SILENT_LOG } from '../../core/log.ts';
import type { CallPriority, QueueConfig } from '../../core/queue.ts';
import type { InboundRoute, RouteDestination } from '../../core/routing.ts';
import { KeyedSerialQueue } from '../../core/serial-queue.ts';
import type {
  CallControl,
  CallDistribution,
  CallMedia,
  EndpointWatching,
  EventFeed,
} from '../../engine/types.ts';
import type { Store } from '../../store/types.ts';
import { AcdConfiguration } from './acd-configuration.ts';
import { AcdReactions, type RouteHandler } from './acd-reactions.ts';
import { moveAgent } from './agent-book.ts';
import type { AcdContext, AcdOptions, DistributionCounters } from './context.ts';
import { dispatchFor, enqueue, leave, refreshPositions, runtimeOf } from './distributor.ts';
import type { QueueStats } from './events.ts';
import { agentView, type LiveAgent } from './live-agent.ts';
import { AcdNotifier } from './notifier.ts';
import { watchPhone } from './phone-registration.ts';
import { queueStats, rollInterval } from './queue-stats.ts';

export interface AcdDeps {
  readonly engine: CallControl &
    CallDistribution &
    CallMedia &
    EndpointWatching & { readonly events: EventFeed };
  readonly publish: (event: NewDomainEvent) => Promise<unknown>;
  readonly store: Pick<Store, 'agents' | 'queues' | 'routes' | 'agentStates'>;
  readonly clock: Clock;
  readonly log?: Log;
  /** Where agents' phones are written on the PBX (Asterisk realtime), when configured. */
  readonly phones?: PhoneProvisioning;
  readonly options?: AcdOptions;
  /** Where inbound calls go when no route matches (default `app`: they ring for the business application). */
  readonly defaultRoute?: RouteDestination;
}

/**
 * The ACD: agents and their states, queues and their callers, the inbound routing table, and the
 * distribution of waiting callers to free agents. It reacts to engine events and issues engine
 * commands; all of its work runs in one ordered lane so that reservations stay consistent.
 */
export class AcdService {
  private readonly ctx: AcdContext;
  private readonly lane = new KeyedSerialQueue();
  private readonly handlers = new Map<RouteDestination['kind'], RouteHandler>();
  private readonly config: AcdConfiguration;
  private readonly reactions: AcdReactions;
  private unsubscribe: (() => void) | undefined;
  private statsTimer: TimerHandle | undefined;

  constructor(private readonly deps: AcdDeps) {
    const log = deps.log ?? SILENT_LOG;
    this.ctx = {
      engine: deps.engine,
      notifier: new AcdNotifier(deps.publish),
      stateLog: deps.store.agentStates,
      clock: deps.clock,
      log,
      agents: new Map(),
      queues: new Map(),
      waiting: new Map(),
      endpointStates: new Map(),
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
    this.config = new AcdConfiguration(this.ctx, deps.store, (work) => this.run(work), deps.phones);
    this.reactions = new AcdReactions(this.ctx, this.config, this.handlers, deps.defaultRoute);
  }

  /** Loads agents (all offline after a start), queues and routes, then follows the engine's events. */
  async start(): Promise<void> {
    await this.config.load();
    this.unsubscribe = this.deps.engine.events.subscribe((event) => this.reactions.onEvent(event));
    for (const agent of this.ctx.agents.values()) watchPhone(this.ctx, agent);
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
    return agentView(this.config.agent(id));
  }

  /** Creates or replaces an agent's profile; their live state is kept. */
  saveAgent(profile: AgentProfile): Promise<Agent> {
    return this.config.saveAgent(profile);
  }

  /** Removes an agent who is logged out. */
  deleteAgent(id: string): Promise<void> {
    return this.config.deleteAgent(id);
  }

  login(id: string): Promise<Agent> {
    return this.run(async () => {
      const agent = this.config.agent(id);
      await moveAgent(this.ctx, agent, 'login');
      await dispatchFor(this.ctx, agent);
      return agentView(agent);
    });
  }

  logout(id: string): Promise<Agent> {
    return this.run(async () => {
      const agent = this.config.agent(id);
      await this.withdrawAndMove(agent, 'logout');
      await this.overflowEmptyQueues(agent);
      return agentView(agent);
    });
  }

  pause(id: string, reason: string): Promise<Agent> {
    return this.run(async () => {
      const agent = this.config.agent(id);
      await this.withdrawAndMove(agent, 'pause', reason);
      return agentView(agent);
    });
  }

  unpause(id: string): Promise<Agent> {
    return this.run(async () => {
      const agent = this.config.agent(id);
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
    return this.config.queue(id).config;
  }

  /** Creates or replaces a queue; callers already waiting stay, and are offered by the new rules. */
  saveQueue(config: QueueConfig): Promise<QueueConfig> {
    return this.config.saveQueue(config);
  }

  /** Removes a queue nobody waits in. */
  deleteQueue(id: string): Promise<void> {
    return this.config.deleteQueue(id);
  }

  stats(id: string): QueueStats {
    const queue = this.config.queue(id);
    rollInterval(queue.counters, this.ctx.clock.now(), this.ctx.options.intervalMs);
    return queueStats(queue, this.ctx.clock.now());
  }

  /** Callers waiting in a queue, in offer order. */
  waitingIn(
    id: string,
  ): { callId: string; priority: CallPriority; enteredAt: string; offeredTo: string[] }[] {
    return this.config
      .queue(id)
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

  /** The inbound routing table. */
  listRoutes(): Promise<InboundRoute[]> {
    return this.config.listRoutes();
  }

  /** Creates or replaces a row of the routing table. */
  saveRoute(route: InboundRoute): Promise<InboundRoute> {
    return this.config.saveRoute(route);
  }

  /** The row of the routing table a call to `dialled` from `caller` follows at `at` (epoch ms), if any. */
  routeFor(dialled: string, caller: string, at: number): InboundRoute | undefined {
    return this.config.routes.resolve(dialled, caller, at);
  }

  /** Removes a row of the routing table; answers whether it existed. */
  deleteRoute(id: string): Promise<boolean> {
    return this.config.deleteRoute(id);
  }

  // --- the engine's directory ---

  /**
   * The engine's directory: an agent id in `from` or a transfer's `to` rings that agent's phone. Once a
   * site has agents, a bare name is an agent id unless it is an agent's own device: an unknown one is
   * refused rather than dialled as a device nobody has.
   */
  resolve(name: string): { endpoint: string; agentId: string; roles: readonly string[] } | undefined {
    const agent = this.ctx.agents.get(name);
    if (agent)
      return { endpoint: agent.profile.endpoint, agentId: agent.profile.id, roles: agent.profile.roles };
    if (!isBareName(name) || this.ctx.agents.size === 0 || this.isAgentDevice(name)) return undefined;
    throw new SwitchboardError(
      'AGENT_NOT_FOUND',
      `No agent has id "${name}". To dial a device instead, write it TECH/resource (PJSIP/${name}) or as an extension.`,
      { agentId: name },
    );
  }

  /**
   * Holds an available agent for a call transferred to them or a conference they are added to (the
   * engine calls it before changing anything).
   */
  claim(agentId: string, callId: string): void {
    const agent = this.config.agent(agentId);
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

  /**
   * Logging out or pausing while an offer or a transfer rings the agent withdraws it first (a queue's
   * caller goes back to its place, a transfer fails as if unanswered); an agent who has already answered
   * keeps the call and the request is refused, so the ACD never shows away someone who is talking.
   */
  private async withdrawAndMove(
    agent: LiveAgent,
    transition: 'logout' | 'pause',
    reason?: string,
  ): Promise<void> {
    const callId = agent.state === 'reserved' ? agent.callId : undefined;
    if (callId) {
      const outcome = await this.ctx.engine
        .withdrawAgent(callId, agent.profile.id)
        .catch(() => 'nothing' as const);
      if (outcome === 'answered') {
        throw new SwitchboardError(
          'INVALID_STATE',
          `Agent ${agent.profile.id} has just answered call ${callId}; they can ${transition} once it is over.`,
          { agentId: agent.profile.id, state: 'on_call', action: transition, callId },
        );
      }
    }
    await moveAgent(this.ctx, agent, transition, reason === undefined ? {} : { reason });
  }

  /** Queues that send callers on when nobody is logged in do so as the last member leaves. */
  private async overflowEmptyQueues(agent: LiveAgent): Promise<void> {
    for (const queueId of agent.queues) {
      const queue = this.ctx.queues.get(queueId);
      if (queue?.config.whenNoAgents !== 'overflow' || !queue.config.overflow) continue;
      if (queue.loggedIn > 0) continue;
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
          await this.ctx.notifier.queueStats(this.stats(queue.config.id));
        }
      });
      this.armStatsTimer();
    });
  }

  /** Public commands share the one lane with event reactions. */
  private run<T>(work: () => Promise<T>): Promise<T> {
    return this.lane.run('acd', work);
  }
}
