import { iso } from '../../core/clock.ts';
import { isSwitchboardError } from '../../core/errors.ts';
import type { Job, JobHandler } from '../../core/jobs.ts';
import type { CallControl, CallDistribution } from '../../engine/types.ts';
import type { AcdService } from '../acd/acd-service.ts';
import { nextCallingTime, withinHours } from './calling-hours.ts';
import { type CampaignParts, type CampaignRuntime, dialJobId, dialKind } from './campaign-runtime.ts';
import type { Contact, ContactAttempt } from './events.ts';
import { linesToDial } from './pacing.ts';

/** Phones ring at least this long before an attempt counts as no answer. */
export const RING_BEFORE_NO_ANSWER_MS = 20_000;
/** How soon a dial that found no room (limit, open breaker) is tried again. */
const NO_ROOM_RETRY_MS = 1_000;

/** What a campaign call carries in its context: the agent sees the contact's fields there. */
export interface CampaignCallContext {
  readonly campaignId: string;
  readonly contactId: string;
  readonly attemptNumber: number;
  readonly phoneNumber: string;
  readonly name?: string;
  readonly fields: Contact['fields'];
}

export interface DialerDeps extends CampaignParts {
  readonly engine: Pick<CallControl, 'originate' | 'get'> & Pick<CallDistribution, 'createQueued'>;
  readonly acd: Pick<AcdService, 'enqueue' | 'stats'>;
  /** Where a call placed for a contact is noted, so its events find the attempt. */
  placed(callId: string, runtime: CampaignRuntime, contact: Contact, attempt: ContactAttempt): void;
  /** An attempt that never became a call (refused by the phone system) ends with `outcome`. */
  refused(
    runtime: CampaignRuntime,
    contact: Contact,
    outcome: 'network_error' | 'unreachable',
  ): Promise<void>;
  /** The contact left the campaign's list of those to dial (do-not-call). */
  settled(runtime: CampaignRuntime): void;
}

/**
 * Starts campaign calls: the durable jobs of contacts' attempts, claimed as fast as the campaign's
 * pacing allows, each checked at dial time against the do-not-call list and the contact's calling
 * hours, and placed within the outbound limits (a slot under the concurrency limit, the start rate,
 * the circuit breaker).
 */
export class CampaignDialer {
  constructor(private readonly deps: DialerDeps) {}

  /** The job handler of one campaign: its pacing is the handler's capacity. */
  handler(runtime: CampaignRuntime): JobHandler {
    return {
      kind: dialKind(runtime.id),
      // Never more than the start rate lets go at once (a job must not wait inside a round), and
      // nothing while the circuit is open: the runner looks again when it half-opens.
      capacity: () =>
        this.deps.line.breaker.state === 'open'
          ? 0
          : Math.min(this.capacity(runtime), this.deps.line.limiter.free),
      notBefore: () => {
        const { breaker, limiter } = this.deps.line;
        if (breaker.state === 'open') return breaker.reopensAt;
        return limiter.free === 0 ? limiter.nextFreeAt() : undefined;
      },
      run: (job) => this.run(runtime, job),
    };
  }

  /** Adds the first attempt's job of each contact (pending ones), due now. */
  async schedule(runtime: CampaignRuntime, contacts: readonly Contact[], runAt: number): Promise<void> {
    await this.deps.jobs.add(
      contacts
        .filter((c) => c.status === 'pending')
        .map((c) => ({
          id: dialJobId(runtime.id, c.row, c.attempts.length + 1),
          kind: dialKind(runtime.id),
          runAt,
          payload: { contactId: c.id, attemptNumber: c.attempts.length + 1 },
        })),
    );
    this.deps.runner.wake();
  }

  /** How many of the campaign's contacts to dial now. */
  capacity(runtime: CampaignRuntime): number {
    const { campaign } = runtime;
    if (campaign.state !== 'running') return 0;
    let free = 0;
    let busy = 0;
    try {
      const stats = this.deps.acd.stats(campaign.queueId);
      free = stats.agentsAvailable;
      busy = stats.agentsLoggedIn - stats.agentsAvailable;
    } catch {
      return 0; // the queue was deleted: nothing to hand contacts to
    }
    return linesToDial(
      {
        mode: campaign.mode,
        freeAgents: free,
        busyAgents: busy,
        pending: runtime.pending,
        room: this.deps.line.room,
      },
      runtime.measures(),
    );
  }

  /** Runs one attempt's job in its contact's lane. */
  private run(runtime: CampaignRuntime, job: Job): Promise<'done' | { retryAt: number }> {
    // Counted at once, before any wait, so the runner's next look at the pacing sees this line.
    runtime.starting++;
    const contactId = String(job.payload.contactId);
    const attemptNumber = Number(job.payload.attemptNumber);
    return this.deps.lane
      .run(contactId, () => this.attempt(runtime, contactId, attemptNumber))
      .finally(() => {
        runtime.starting--;
      });
  }

  private async attempt(
    runtime: CampaignRuntime,
    contactId: string,
    attemptNumber: number,
  ): Promise<'done' | { retryAt: number }> {
    const { repo, clock, line } = this.deps;
    const now = clock.now();
    const { campaign } = runtime;
    if (campaign.state === 'completed' || campaign.state === 'stopped') return 'done';
    if (campaign.state !== 'running') return { retryAt: now };
    const contact = await repo.contacts.get(contactId);
    // Already dialled (a job taken over after a restart) or settled meanwhile: never dial twice.
    if (contact?.status !== 'pending' || contact.attempts.length >= attemptNumber) return 'done';
    if (await repo.dnc.has(contact.phoneNumber)) {
      const dnc: Contact = { ...contact, status: 'dnc' };
      await repo.contacts.save(dnc);
      runtime.remaining--;
      this.deps.settled(runtime);
      await this.deps.notifier.contact('campaign.contact.finished', dnc);
      return 'done';
    }
    if (!withinHours(campaign.callingHours, contact.timezone, now)) {
      return { retryAt: nextCallingTime(campaign.callingHours, contact.timezone, now) };
    }
    let release: () => void;
    try {
      release = line.reserve();
    } catch {
      return { retryAt: now + NO_ROOM_RETRY_MS };
    }
    const started = line.limiter.tryAcquire();
    if (!started) {
      release();
      return { retryAt: line.limiter.nextFreeAt() };
    }
    // Asked last: a half-open breaker's one trial is taken only by a dial that goes out.
    if (!line.breaker.tryPass()) {
      started();
      release();
      return { retryAt: now + NO_ROOM_RETRY_MS };
    }
    try {
      return await this.dial(runtime, contact, attemptNumber, release);
    } finally {
      started();
    }
  }

  /**
   * Records the attempt before the phone system hears of it (after a crash an attempt without an
   * outcome was, or may have been, dialled, and is never dialled again), then places the call.
   */
  private async dial(
    runtime: CampaignRuntime,
    contact: Contact,
    attemptNumber: number,
    release: () => void,
  ): Promise<'done'> {
    const { repo, clock, engine, line } = this.deps;
    const { campaign } = runtime;
    const attempt: ContactAttempt = { attemptNumber, startedAt: iso(clock.now()) };
    let current: Contact = {
      ...contact,
      status: 'in_progress',
      attempts: [...contact.attempts, attempt],
    };
    delete (current as { nextAttemptAt?: string }).nextAttemptAt;
    await repo.contacts.save(current);
    const context = {
      campaign: {
        campaignId: campaign.id,
        contactId: contact.id,
        attemptNumber,
        phoneNumber: contact.phoneNumber,
        ...(contact.name !== undefined && { name: contact.name }),
        fields: contact.fields,
      } satisfies CampaignCallContext,
    };
    try {
      const call =
        campaign.mode === 'preview'
          ? await engine.createQueued({ queueId: campaign.queueId, to: contact.phoneNumber, context })
          : await engine.originate({
              to: contact.phoneNumber,
              ...(campaign.callerId !== undefined && { from: campaign.callerId }),
              context,
              ringTimeoutMs: RING_BEFORE_NO_ANSWER_MS,
            });
      const placed = { ...attempt, callId: call.id };
      current = { ...current, attempts: [...contact.attempts, placed] };
      await repo.contacts.save(current);
      runtime.count((c) => {
        c.dialled++;
      });
      this.deps.placed(call.id, runtime, current, placed);
      this.hold(call.id, release);
      if (campaign.mode === 'preview') await this.deps.acd.enqueue(call.id, campaign.queueId, 'high');
      await this.deps.notifier.contact('campaign.contact.dialled', current, call.id);
    } catch (error) {
      release();
      line.released();
      const providerFault = !isSwitchboardError(error) || error.status >= 500;
      if (providerFault) line.breaker.failure();
      else line.breaker.abandonTrial();
      this.deps.log?.warn({ err: error, contactId: contact.id }, 'a campaign dial was refused');
      await this.deps.refused(runtime, current, providerFault ? 'network_error' : 'unreachable');
    }
    return 'done';
  }

  /** Slots held by live campaign calls, by call id, until their call ends. */
  private readonly slots = new Map<string, () => void>();

  private hold(callId: string, release: () => void): void {
    this.slots.set(callId, release);
  }

  /** A campaign call ended: its slot under the concurrency limit is free again. */
  ended(callId: string): void {
    const release = this.slots.get(callId);
    if (!release) return;
    this.slots.delete(callId);
    release();
    this.deps.line.released();
  }
}
