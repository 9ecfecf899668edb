import type { Agent, AgentProfile, PhoneProvisioning } from '../../core/agent.ts';
import { SwitchboardError } from '../../core/errors.ts';
import type { QueueConfig } from '../../core/queue.ts';
import type { InboundRoute } from '../../core/routing.ts';
import type { Store } from '../../store/types.ts';
import { indexMembers } from './agent-book.ts';
import type { AcdContext } from './context.ts';
import { dispatch, newRuntime } from './distributor.ts';
import { agentView, type LiveAgent } from './live-agent.ts';
import { phoneChanged } from './phone-registration.ts';
import { RouteTable } from './route-table.ts';

/**
 * The ACD's configuration: agents, queues and the inbound routing table, as stored and as installed in
 * the live state. Every change is stored first, then installed, in the ACD's one lane (`run`), so the
 * distributor never sees a configuration the store does not hold.
 */
export class AcdConfiguration {
  /** The inbound routing table as last saved. */
  routes = new RouteTable([]);

  constructor(
    private readonly ctx: AcdContext,
    private readonly store: Pick<Store, 'agents' | 'queues' | 'routes'>,
    private readonly run: <T>(work: () => Promise<T>) => Promise<T>,
    /** Where agents' phones are written on the PBX, when configured. */
    private readonly phones?: PhoneProvisioning,
  ) {}

  /** Installs what the store holds (at start). */
  async load(): Promise<void> {
    const [agents, queues, routes] = await Promise.all([
      this.store.agents.list(),
      this.store.queues.list(),
      this.store.routes.list(),
    ]);
    for (const profile of agents) this.ctx.agents.set(profile.id, this.newAgent(profile));
    for (const config of queues) this.installQueue(config);
    this.routes = new RouteTable(routes);
  }

  /** Creates or replaces an agent's profile (and their phone on the PBX); their live state is kept. */
  saveAgent(input: AgentProfile): Promise<Agent> {
    return this.run(async () => {
      const existing = this.ctx.agents.get(input.id);
      const profile = keepPhonePassword(input, existing?.profile);
      await this.store.agents.save(profile);
      await this.phones?.saved(profile, existing?.profile);
      if (existing) existing.profile = profile;
      else this.ctx.agents.set(profile.id, this.newAgent(profile));
      const agent = this.ctx.agents.get(profile.id)!;
      phoneChanged(this.ctx, agent, existing ? existing.profile.phone?.extension : undefined);
      return agentView(agent);
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
      await this.store.agents.delete(id);
      this.ctx.agents.delete(id);
      await this.phones?.deleted(agent.profile);
    });
  }

  /** Creates or replaces a queue; callers already waiting stay, and are offered by the new rules. */
  saveQueue(config: QueueConfig): Promise<QueueConfig> {
    return this.run(async () => {
      for (const id of config.members) {
        if (!this.ctx.agents.has(id)) {
          throw new SwitchboardError('AGENT_NOT_FOUND', `members: no agent has id "${id}".`, { agentId: id });
        }
      }
      await this.store.queues.save(config);
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
      await this.store.queues.delete(id);
      for (const agent of this.ctx.agents.values()) agent.queues.delete(id);
      this.ctx.queues.delete(id);
    });
  }

  listRoutes(): Promise<InboundRoute[]> {
    return this.store.routes.list();
  }

  saveRoute(route: InboundRoute): Promise<InboundRoute> {
    return this.run(async () => {
      await this.store.routes.save(route);
      this.routes = new RouteTable(await this.store.routes.list());
      return route;
    });
  }

  deleteRoute(id: string): Promise<boolean> {
    return this.run(async () => {
      const deleted = await this.store.routes.delete(id);
      this.routes = new RouteTable(await this.store.routes.list());
      return deleted;
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

  /** A live agent; AGENT_NOT_FOUND otherwise. */
  agent(id: string): LiveAgent {
    const agent = this.ctx.agents.get(id);
    if (!agent) throw new SwitchboardError('AGENT_NOT_FOUND', `No agent has id "${id}".`, { agentId: id });
    return agent;
  }

  /** A public queue (not an agent's own `agent:<id>` one); QUEUE_NOT_FOUND otherwise. */
  queue(id: string) {
    const queue = this.ctx.queues.get(id);
    if (!queue || id.includes(':')) {
      throw new SwitchboardError('QUEUE_NOT_FOUND', `No queue has id "${id}".`, { queueId: id });
    }
    return queue;
  }
}

/** A phone given without its password (a PATCH, a PUT of the view) keeps the one set before. */
function keepPhonePassword(profile: AgentProfile, previous: AgentProfile | undefined): AgentProfile {
  const password = previous?.phone?.extension === profile.phone?.extension && previous?.phone?.password;
  if (!profile.phone || profile.phone.password || !password) return profile;
  return { ...profile, phone: { ...profile.phone, password } };
}
