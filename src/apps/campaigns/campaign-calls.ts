import type { CallSnapshot, EndReason } from '../../core/call.ts';
import { iso, type TimerHandle } from '../../core/clock.ts';
import type { DomainEvent } from '../../core/events.ts';
import type { CallControl, CallDistribution, CallMedia } from '../../engine/types.ts';
import type { AcdService } from '../acd/acd-service.ts';
import type { CampaignCallContext } from './campaign-dialer.ts';
import { type CampaignParts, type CampaignRuntime, dialJobId, dialKind } from './campaign-runtime.ts';
import type { AttemptOutcome, Contact, ContactAttempt } from './events.ts';

/** An answered contact not connected to an agent within this is abandoned. */
export const ABANDON_AFTER_MS = 2_000;
/** What an abandoned contact hears before the call ends. */
export const ABANDON_MESSAGE =
  'Sorry, all our agents are busy right now. We will call you back later. Goodbye.';
/** The call ends this long after the message started, should its end never be reported. */
const MESSAGE_MAX_MS = 10_000;

/** Outcomes after which a contact is tried again (until `maxAttempts`). */
const RETRIED: ReadonlySet<AttemptOutcome> = new Set([
  'busy',
  'no_answer',
  'network_error',
  'server_restart',
]);

/** End reasons of a call never answered, as attempt outcomes. */
const UNANSWERED: Partial<Record<EndReason, AttemptOutcome>> = {
  busy: 'busy',
  no_answer: 'no_answer',
  rejected: 'rejected',
  invalid_number: 'invalid_number',
  unreachable: 'unreachable',
  network_error: 'network_error',
  server_restart: 'server_restart',
  canceled: 'canceled',
};

/** A campaign call this process follows. */
interface LiveCampaignCall {
  readonly callId: string;
  readonly runtime: CampaignRuntime;
  readonly contactId: string;
  readonly attemptNumber: number;
  readonly dialledAt: number;
  answeredAt?: number;
  connectedAt?: number;
  agentId?: string;
  abandoned?: boolean;
  skipped?: boolean;
  /** Handed to the ACD (an agent was free). */
  enqueued?: boolean;
  abandonTimer?: TimerHandle;
  messageTimer?: TimerHandle;
  playbackId?: string;
}

export interface FollowerDeps extends CampaignParts {
  readonly engine: Pick<CallControl, 'get' | 'hangup'> &
    Pick<CallDistribution, 'end'> &
    Pick<CallMedia, 'play'>;
  readonly acd: Pick<AcdService, 'enqueue' | 'stats' | 'getQueue'>;
  /** A campaign call's slot under the concurrency limit is given back. */
  slotFreed(callId: string): void;
  /** The campaign's counters changed. */
  changed(runtime: CampaignRuntime): void;
  /** A contact reached its last status; the campaign may be complete. */
  settled(runtime: CampaignRuntime): void;
}

/**
 * Follows campaign calls: an answered contact is handed to a free agent of the campaign's queue
 * through the ACD (or waits up to 2 s for one, then hears a short message: abandoned); the end of a
 * call settles its attempt, and a busy or unanswered contact is tried again after `retryDelayMs`.
 */
export class CampaignCalls {
  private readonly calls = new Map<string, LiveCampaignCall>();
  /** Answered contacts waiting for a free agent, by call id. */
  private readonly waiting = new Map<string, LiveCampaignCall>();
  /** Contacts handed to the ACD that no agent has taken yet, by queue: the free agents they will take. */
  private readonly handing = new Map<string, number>();

  constructor(private readonly deps: FollowerDeps) {}

  /** Notes a call placed for an attempt, so its events find it. */
  placed(callId: string, runtime: CampaignRuntime, contact: Contact, attempt: ContactAttempt): void {
    this.calls.set(callId, {
      callId,
      runtime,
      contactId: contact.id,
      attemptNumber: attempt.attemptNumber,
      dialledAt: Date.parse(attempt.startedAt),
    });
    runtime.unconnected.add(callId);
  }

  /** The campaign call of an event, if it is one this process follows. */
  onEvent(event: DomainEvent): void {
    if (event.type === 'agent.state') {
      if (event.data.agent.status.state === 'available') this.agentFreed();
      return;
    }
    const callId = event.callId;
    const live = callId === undefined ? undefined : this.calls.get(callId);
    if (!live) return;
    const work = this.reaction(live, event);
    if (work)
      void this.deps.lane
        .run(live.contactId, work)
        .catch((err) => this.deps.log?.error({ err }, 'campaign call work failed'));
  }

  private reaction(live: LiveCampaignCall, event: DomainEvent): (() => Promise<void>) | undefined {
    switch (event.type) {
      case 'call.answered':
        return () => this.answered(live, event.data.call);
      case 'call.offer.accepted':
        return () => this.connected(live, event.data.agentId);
      case 'call.playback.finished':
        return event.data.playbackId === live.playbackId ? () => this.hangUp(live) : undefined;
      case 'call.ended':
      case 'call.failed':
        return () => this.ended(live, event.data.call);
      default:
        return undefined;
    }
  }

  /** The contact answered; with an agent already there (preview) that is the connection too. */
  private async answered(live: LiveCampaignCall, call: CallSnapshot): Promise<void> {
    if (live.answeredAt !== undefined) return;
    const now = this.deps.clock.now();
    live.answeredAt = now;
    live.runtime.count((c) => {
      c.answered++;
      c.settled++;
      c.timeToAnswerMs += now - live.dialledAt;
    });
    this.deps.changed(live.runtime);
    const contact = await this.updateAttempt(live, { answeredAt: iso(now) });
    if (contact) await this.deps.notifier.contact('campaign.contact.answered', contact, live.callId);
    if (call.agentId !== undefined) return this.connected(live, call.agentId);
    live.abandonTimer = this.deps.clock.setTimer(ABANDON_AFTER_MS, () => {
      void this.deps.lane.run(live.contactId, () => this.abandon(live));
    });
    await this.handOver(live);
  }

  /** Hands an answered contact to the ACD when an agent of the queue is free, else lets it wait. */
  private async handOver(live: LiveCampaignCall): Promise<void> {
    if (live.enqueued || live.connectedAt !== undefined || live.abandoned || !this.calls.has(live.callId))
      return;
    const { queueId } = live.runtime.campaign;
    let free = 0;
    try {
      // Each contact handed over and not yet taken will take one of the free agents.
      free = this.deps.acd.stats(queueId).agentsAvailable - (this.handing.get(queueId) ?? 0);
    } catch {
      free = 0;
    }
    if (free <= 0) {
      this.waiting.set(live.callId, live);
      return;
    }
    this.waiting.delete(live.callId);
    live.enqueued = true;
    this.handing.set(queueId, (this.handing.get(queueId) ?? 0) + 1);
    await this.deps.acd
      .enqueue(live.callId, queueId, 'high')
      .catch((err) =>
        this.deps.log?.warn({ err, callId: live.callId }, 'a campaign call could not be queued'),
      );
  }

  /** A contact handed over was taken or is gone: the agents it would have taken count as free again. */
  private handed(live: LiveCampaignCall): void {
    if (!live.enqueued) return;
    live.enqueued = false;
    const { queueId } = live.runtime.campaign;
    this.handing.set(queueId, Math.max(0, (this.handing.get(queueId) ?? 0) - 1));
    this.agentFreed();
  }

  private agentFreed(): void {
    for (const live of [...this.waiting.values()]) {
      void this.deps.lane.run(live.contactId, () => this.handOver(live));
    }
  }

  private async connected(live: LiveCampaignCall, agentId: string): Promise<void> {
    if (live.connectedAt !== undefined) return;
    // A preview: the agent accepted and the number is being dialled; connected once it answers.
    if (live.answeredAt === undefined) {
      live.agentId = agentId;
      return;
    }
    const now = this.deps.clock.now();
    if (live.abandonTimer) this.deps.clock.clearTimer(live.abandonTimer);
    live.connectedAt = now;
    live.agentId = agentId;
    this.waiting.delete(live.callId);
    this.handed(live);
    live.runtime.unconnected.delete(live.callId);
    if (!live.abandoned) live.runtime.governor.observe(false);
    live.runtime.count((c) => {
      c.connected++;
    });
    this.deps.changed(live.runtime);
    const contact = await this.updateAttempt(live, { connectedAt: iso(now), agentId });
    if (contact) await this.deps.notifier.connected(contact, agentId, live.callId);
  }

  /** No agent within 2 s of the answer: the contact hears a short message, then the call ends. */
  private async abandon(live: LiveCampaignCall): Promise<void> {
    if (live.connectedAt !== undefined || live.abandoned || !this.calls.has(live.callId)) return;
    live.abandoned = true;
    this.waiting.delete(live.callId);
    this.markAbandoned(live);
    const contact = await this.updateAttempt(live, {});
    if (contact) await this.deps.notifier.contact('campaign.contact.abandoned', contact, live.callId);
    live.messageTimer = this.deps.clock.setTimer(MESSAGE_MAX_MS, () => {
      void this.deps.lane.run(live.contactId, () => this.hangUp(live));
    });
    try {
      live.playbackId = await this.deps.engine.play(live.callId, ABANDON_MESSAGE);
    } catch {
      await this.hangUp(live);
    }
  }

  private markAbandoned(live: LiveCampaignCall): void {
    live.runtime.governor.observe(true);
    live.runtime.count((c) => {
      c.abandoned++;
    });
    this.deps.changed(live.runtime);
  }

  private async hangUp(live: LiveCampaignCall): Promise<void> {
    // An agent who took the call meanwhile keeps it.
    if (!this.calls.has(live.callId) || live.connectedAt !== undefined) return;
    // One waiting in the queue ends only while still waiting: an offer answered meanwhile wins.
    const ending = live.enqueued
      ? this.deps.engine.end(live.callId, 'normal', { onlyIfWaiting: true })
      : this.deps.engine.hangup(live.callId);
    await ending.catch(() => undefined);
  }

  /** Ends a preview's call the agent passed on; the contact is not dialled. */
  async skip(callId: string): Promise<boolean> {
    const live = this.calls.get(callId);
    if (!live || live.answeredAt !== undefined) return false;
    live.skipped = true;
    await this.deps.engine.end(callId, 'canceled').catch(() => undefined);
    return true;
  }

  private async ended(live: LiveCampaignCall, call: CallSnapshot): Promise<void> {
    this.calls.delete(live.callId);
    this.waiting.delete(live.callId);
    this.handed(live);
    for (const timer of [live.abandonTimer, live.messageTimer]) if (timer) this.deps.clock.clearTimer(timer);
    live.runtime.unconnected.delete(live.callId);
    this.deps.slotFreed(live.callId);
    if (live.answeredAt !== undefined && live.connectedAt === undefined && !live.abandoned) {
      // The contact hung up before an agent came: abandoned all the same.
      live.abandoned = true;
      this.markAbandoned(live);
    }
    await this.settle(live.runtime, live.contactId, live.attemptNumber, call, live);
  }

  /**
   * Settles an attempt from its call's record: its outcome, the campaign's figures, the circuit
   * breaker, and the contact's next step (done, or another attempt after `retryDelayMs`). Also what a
   * restart does for attempts whose call ended while no process followed it (`live` absent).
   */
  async settle(
    runtime: CampaignRuntime,
    contactId: string,
    attemptNumber: number,
    call: CallSnapshot | undefined,
    live?: LiveCampaignCall,
    given?: AttemptOutcome,
  ): Promise<void> {
    const { clock, line } = this.deps;
    const now = clock.now();
    const outcome = given ?? outcomeOf(call, live);
    const connectedAt =
      live?.connectedAt ?? (call?.agentId !== undefined ? Date.parse(call.answeredAt ?? '') : undefined);
    const agentId = live?.agentId ?? call?.agentId;
    const endedAt = call?.endedAt !== undefined ? Date.parse(call.endedAt) : now;
    if (call !== undefined) {
      // What the provider did: failed the dial, or carried it (whatever the callee then did).
      if (call.answeredAt === undefined && call.endReason === 'network_error') line.breaker.failure();
      else line.breaker.success();
    }
    runtime.count((c) => {
      if (call?.answeredAt === undefined && outcome !== 'skipped' && outcome !== 'server_restart')
        c.settled++;
      if (
        outcome === 'answered' &&
        agentId !== undefined &&
        connectedAt !== undefined &&
        !Number.isNaN(connectedAt)
      ) {
        const talk = Math.max(0, endedAt - connectedAt);
        c.talkMsByAgent[agentId] = (c.talkMsByAgent[agentId] ?? 0) + talk;
        c.handleMs += talk + this.wrapUpMs(runtime);
        c.handled++;
      }
    });
    this.deps.changed(runtime);
    const contact = await this.deps.repo.contacts.get(contactId);
    if (!contact) return;
    const attempts = contact.attempts.map((a) =>
      a.attemptNumber === attemptNumber
        ? {
            ...a,
            outcome,
            endedAt: iso(endedAt),
            ...(agentId !== undefined && outcome === 'answered' && { agentId }),
          }
        : a,
    );
    const { campaign } = runtime;
    const again =
      RETRIED.has(outcome) && attempts.length < campaign.maxAttempts && campaign.state !== 'stopped';
    const stays = outcome === 'canceled' && campaign.state === 'stopped';
    let next: Contact;
    if (again) {
      const runAt = now + campaign.retryDelayMs;
      next = { ...contact, attempts, status: 'pending', nextAttemptAt: iso(runAt) };
      await this.deps.repo.contacts.save(next);
      await this.deps.jobs.add([
        {
          id: dialJobId(campaign.id, contact.row, attempts.length + 1),
          kind: dialKind(campaign.id),
          runAt,
          payload: { contactId, attemptNumber: attempts.length + 1 },
        },
      ]);
    } else {
      const status = stays
        ? 'pending'
        : outcome === 'answered' || outcome === 'skipped'
          ? 'completed'
          : 'failed';
      next = { ...contact, attempts, status };
      await this.deps.repo.contacts.save(next);
      if (!stays) {
        runtime.remaining--;
        this.deps.settled(runtime);
      }
    }
    await this.deps.notifier.contact('campaign.contact.finished', next, call?.id);
    this.deps.runner.wake();
  }

  /** Calls this process follows, for stop(): their timers go. */
  stop(): void {
    for (const live of this.calls.values()) {
      for (const timer of [live.abandonTimer, live.messageTimer])
        if (timer) this.deps.clock.clearTimer(timer);
    }
  }

  /** The live campaign call of a contact's attempt, if this process follows it. */
  callOf(contactId: string): string | undefined {
    for (const live of this.calls.values()) if (live.contactId === contactId) return live.callId;
    return undefined;
  }

  private wrapUpMs(runtime: CampaignRuntime): number {
    try {
      return this.deps.acd.getQueue(runtime.campaign.queueId).wrapUpMs;
    } catch {
      return 0;
    }
  }

  private async updateAttempt(
    live: LiveCampaignCall,
    change: Partial<ContactAttempt>,
  ): Promise<Contact | undefined> {
    const contact = await this.deps.repo.contacts.get(live.contactId);
    if (!contact) return undefined;
    const updated: Contact = {
      ...contact,
      attempts: contact.attempts.map((a) =>
        a.attemptNumber === live.attemptNumber ? { ...a, ...change } : a,
      ),
    };
    await this.deps.repo.contacts.save(updated);
    return updated;
  }
}

/** How an attempt ended, from its call (and what this process saw of it). */
function outcomeOf(call: CallSnapshot | undefined, live: LiveCampaignCall | undefined): AttemptOutcome {
  if (live?.skipped) return 'skipped';
  if (call === undefined) return 'server_restart';
  const connected = live
    ? live.connectedAt !== undefined
    : call.agentId !== undefined && call.answeredAt !== undefined;
  if (connected) return 'answered';
  if (call.answeredAt !== undefined) return 'abandoned';
  return UNANSWERED[call.endReason ?? 'network_error'] ?? 'network_error';
}

/** The campaign context of a call, if it is a campaign's. */
export function campaignContextOf(call: CallSnapshot): CampaignCallContext | undefined {
  const context = call.context?.campaign as CampaignCallContext | undefined;
  return context && typeof context.contactId === 'string' ? context : undefined;
}
