import { randomUUID } from 'node:crypto';
import { type Clock, iso } from '../../core/clock.ts';
import { SwitchboardError } from '../../core/errors.ts';
import type { DomainEvent, NewDomainEvent } from '../../core/events.ts';
import { timeOrderedId } from '../../core/ids.ts';
import { JobRunner, runnerAndLaneIdle, runnerOrLaneBusy } from '../../core/jobs.ts';
import type { Log } from '../../core/log.ts';
import { KeyedSerialQueue } from '../../core/serial-queue.ts';
import type { CallControl, CallDistribution, CallMedia, EventFeed } from '../../engine/types.ts';
import type { DncEntry, Page, Store } from '../../store/types.ts';
import type { AcdService } from '../acd/acd-service.ts';
import { isKnownZone } from './calling-hours.ts';
import { CampaignCalls } from './campaign-calls.ts';
import { CampaignDialer } from './campaign-dialer.ts';
import { CampaignRuntime, campaignView, newCounters } from './campaign-runtime.ts';
import { checkContacts, type RawContact } from './contacts-import.ts';
import type { OutboundLine } from './dial-line.ts';
import type {
  Campaign,
  CampaignInput,
  CampaignState,
  CampaignStats,
  Contact,
  ContactStatus,
  ImportReport,
} from './events.ts';
import { CampaignNotifier } from './notifier.ts';
import { type CampaignRepository, campaignRepository } from './repository.ts';

/** Stats are saved and published at most this often while they change. */
const FLUSH_EVERY_MS = 1_000;
/** Contacts in progress looked at per campaign after a restart. */
const RESUME_BATCH = 10_000;

export interface CampaignDeps {
  readonly engine: CallControl & CallDistribution & CallMedia & { readonly events: EventFeed };
  readonly acd: Pick<AcdService, 'enqueue' | 'stats' | 'getQueue'>;
  readonly publish: (event: NewDomainEvent) => Promise<unknown>;
  readonly store: Pick<Store, 'campaigns' | 'campaignContacts' | 'dnc' | 'jobs' | 'kind'>;
  readonly clock: Clock;
  /** The outbound service's limits, which campaign calls share. */
  readonly line: OutboundLine;
  readonly log?: Log;
}

/** Transitions of a campaign's state: from which states each command may be given. */
const TRANSITIONS: Record<
  'start' | 'pause' | 'resume' | 'stop',
  { from: CampaignState[]; to: CampaignState }
> = {
  start: { from: ['draft'], to: 'running' },
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  stop: { from: ['draft', 'running', 'paused'], to: 'stopped' },
};

/**
 * The campaign dialer: campaigns and their states, contact lists and their import, the do-not-call
 * list, and the dialling itself (CampaignDialer places calls from durable jobs; CampaignCalls follows
 * them to an agent and settles each attempt).
 */
export class CampaignService {
  private readonly repo: CampaignRepository;
  private readonly notifier: CampaignNotifier;
  private readonly lane = new KeyedSerialQueue();
  private readonly runner: JobRunner;
  private readonly dialer: CampaignDialer;
  private readonly calls: CampaignCalls;
  private readonly runtimes = new Map<string, CampaignRuntime>();
  private unsubscribe: (() => void) | undefined;
  private running = false;

  constructor(private readonly deps: CampaignDeps) {
    this.repo = campaignRepository(deps.store);
    this.notifier = new CampaignNotifier(deps.publish);
    this.runner = new JobRunner({
      queue: deps.store.jobs,
      clock: deps.clock,
      owner: `campaigns:${randomUUID()}`,
      ...(deps.log && { log: deps.log }),
    });
    const shared = {
      engine: deps.engine,
      acd: deps.acd,
      repo: this.repo,
      jobs: deps.store.jobs,
      runner: this.runner,
      line: deps.line,
      notifier: this.notifier,
      clock: deps.clock,
      lane: this.lane,
      ...(deps.log && { log: deps.log }),
    };
    this.calls = new CampaignCalls({
      ...shared,
      slotFreed: (callId) => this.dialer.ended(callId),
      changed: (runtime) => this.changed(runtime),
      settled: (runtime) => this.settled(runtime),
    });
    this.dialer = new CampaignDialer({
      ...shared,
      placed: (callId, runtime, contact, attempt) => this.calls.placed(callId, runtime, contact, attempt),
      refused: (runtime, contact, outcome) =>
        this.calls.settle(runtime, contact.id, contact.attempts.length, undefined, undefined, outcome),
      settled: (runtime) => this.settled(runtime),
    });
  }

  /** Loads the campaigns, settles attempts whose calls ended while no process followed them, dials on. */
  async start(): Promise<void> {
    this.running = true;
    this.unsubscribe = this.deps.engine.events.subscribe((event) => this.onEvent(event));
    for (const stored of await this.repo.campaigns.list()) {
      if (stored.state === 'completed' || stored.state === 'stopped') continue;
      const runtime = await this.load(stored);
      await this.resume(runtime);
    }
    // The embedded store serves one process: whatever it left running died with it.
    await this.runner.start({ recoverAll: this.deps.store.kind === 'sqlite' });
  }

  stop(): void {
    this.running = false;
    this.unsubscribe?.();
    this.runner.stop();
    this.calls.stop();
    for (const runtime of this.runtimes.values()) {
      if (runtime.flushTimer) this.deps.clock.clearTimer(runtime.flushTimer);
    }
  }

  /** Saves what changed since the last flush (the counters), once the app has stopped. */
  async flush(): Promise<void> {
    for (const runtime of this.runtimes.values()) if (runtime.dirty) await this.save(runtime);
  }

  idle(): Promise<void> {
    return runnerAndLaneIdle(this.runner, this.lane);
  }

  get busy(): boolean {
    return runnerOrLaneBusy(this.runner, this.lane);
  }

  // --- campaigns ---

  /** Creates a campaign in `draft`. */
  async create(input: CampaignInput): Promise<Campaign> {
    this.checkInput(input);
    const now = iso(this.deps.clock.now());
    const stored = {
      id: randomUUID(),
      ...input,
      state: 'draft' as const,
      createdAt: now,
      updatedAt: now,
      counters: newCounters(input.dialRatio ?? 1),
    };
    await this.repo.campaigns.save(stored);
    await this.load(stored);
    const view = campaignView(stored);
    await this.notifier.created(view);
    return view;
  }

  /** Changes a campaign's settings; its mode only while a draft; never once it is over. */
  update(id: string, input: CampaignInput): Promise<Campaign> {
    return this.inCampaign(id, async (runtime) => {
      const { campaign } = runtime;
      if (campaign.state === 'completed' || campaign.state === 'stopped') {
        throw this.invalidState(campaign, 'updated', ['draft', 'running', 'paused']);
      }
      if (input.mode !== campaign.mode && campaign.state !== 'draft') {
        throw this.invalidState(campaign, 'given another mode', ['draft']);
      }
      this.checkInput(input);
      const { dialRatio: _ratio, callerId: _callerId, ...kept } = campaign;
      runtime.campaign = { ...kept, ...input, updatedAt: iso(this.deps.clock.now()) };
      runtime.retune();
      await this.save(runtime);
      const view = campaignView(runtime.campaign);
      await this.notifier.updated(view);
      this.runner.wake();
      return view;
    });
  }

  async list(): Promise<Campaign[]> {
    return (await this.repo.campaigns.list()).map((stored) =>
      campaignView(this.runtimes.get(stored.id)?.campaign ?? stored),
    );
  }

  async get(id: string): Promise<Campaign> {
    return campaignView((await this.stored(id)).campaign);
  }

  /** start, pause, resume or stop; INVALID_STATE names the state a campaign is in. */
  command(id: string, command: keyof typeof TRANSITIONS): Promise<Campaign> {
    return this.inCampaign(id, async (runtime) => {
      const { from, to } = TRANSITIONS[command];
      const previous = runtime.campaign.state;
      if (!from.includes(previous)) throw this.invalidState(runtime.campaign, `${command}ed`, from);
      await this.moveTo(runtime, to);
      this.runner.wake();
      return campaignView(runtime.campaign);
    });
  }

  /** Figures of a campaign. */
  async stats(id: string): Promise<CampaignStats> {
    return (await this.stored(id)).stats();
  }

  // --- contacts ---

  /** Imports contacts; the report says, per rejected row, why. */
  async importContacts(id: string, raw: readonly RawContact[]): Promise<ImportReport> {
    const runtime = await this.stored(id);
    if (runtime.campaign.state === 'completed' || runtime.campaign.state === 'stopped') {
      throw this.invalidState(runtime.campaign, 'given contacts', ['draft', 'running', 'paused']);
    }
    const { valid, errors } = checkContacts(raw, runtime.campaign.timezone);
    const report = await this.inCampaign(id, async () => {
      const first = (await this.repo.contacts.lastRow(id)) + 1;
      const listed = await this.repo.dnc.listed(valid.map((c) => c.phoneNumber));
      const contacts: Contact[] = valid.map((contact, index) => ({
        id: timeOrderedId(),
        campaignId: id,
        row: first + index,
        line: contact.row,
        phoneNumber: contact.phoneNumber,
        ...(contact.name !== undefined && { name: contact.name }),
        timezone: contact.timezone,
        fields: contact.fields,
        status: listed.has(contact.phoneNumber) ? 'dnc' : 'pending',
        attempts: [],
      }));
      const refused = new Set((await this.repo.contacts.add(contacts)).map((c) => c.id));
      for (const contact of contacts) {
        if (!refused.has(contact.id)) continue;
        errors.push({
          row: contact.line,
          code: 'DUPLICATE',
          message: `${contact.phoneNumber} is in this campaign already.`,
        });
      }
      const added = contacts.filter((c) => !refused.has(c.id));
      runtime.remaining += added.filter((c) => c.status === 'pending').length;
      await this.dialer.schedule(runtime, added, this.deps.clock.now());
      errors.sort((a, b) => a.row - b.row);
      return { total: raw.length, imported: added.length, rejected: errors.length, errors };
    });
    await this.notifier.imported(id, report);
    this.changed(runtime);
    return report;
  }

  /** A page of a campaign's contacts in list order. */
  async contacts(
    id: string,
    filter: { status?: readonly ContactStatus[]; cursor?: string; limit: number },
  ): Promise<Page<Contact>> {
    await this.stored(id);
    return this.repo.contacts.page(id, filter);
  }

  /** Preview: the agent passes on the contact offered; its call ends and it is not dialled. */
  async skip(id: string, contactId: string): Promise<Contact> {
    const contact = await this.contact(id, contactId);
    const callId = this.calls.callOf(contactId);
    if (contact.status !== 'in_progress' || callId === undefined || !(await this.calls.skip(callId))) {
      throw new SwitchboardError(
        'INVALID_STATE',
        `Contact ${contactId} is not being offered to an agent now (status ${contact.status}); only a preview's contact offered and not yet dialled can be skipped.`,
        { contactId, status: contact.status },
      );
    }
    await this.idle();
    return this.contact(id, contactId);
  }

  // --- do-not-call ---

  /** Adds numbers to the do-not-call list; they are never dialled from then on. */
  async addDnc(numbers: readonly { phoneNumber: string; reason?: string }[]): Promise<DncEntry[]> {
    const addedAt = iso(this.deps.clock.now());
    const entries = numbers.map((n) => ({ ...n, addedAt }));
    await this.repo.dnc.add(entries);
    return entries;
  }

  removeDnc(phoneNumber: string): Promise<boolean> {
    return this.repo.dnc.remove(phoneNumber);
  }

  listDnc(filter: { cursor?: string; limit: number }): Promise<Page<DncEntry>> {
    return this.repo.dnc.list(filter);
  }

  health() {
    return { running: [...this.runtimes.values()].filter((r) => r.campaign.state === 'running').length };
  }

  // --- inside ---

  private onEvent(event: DomainEvent): void {
    if (!this.running) return;
    if (event.type === 'agent.state' || event.type === 'call.ended' || event.type === 'call.failed') {
      this.runner.wake();
    }
    this.calls.onEvent(event);
  }

  private async load(stored: Campaign & { counters: CampaignRuntime['counters'] }): Promise<CampaignRuntime> {
    const runtime = new CampaignRuntime(stored);
    const counts = await this.repo.contacts.countByStatus(stored.id);
    runtime.remaining = (counts.pending ?? 0) + (counts.in_progress ?? 0);
    this.runtimes.set(stored.id, runtime);
    this.runner.register(this.dialer.handler(runtime));
    return runtime;
  }

  /** Attempts left without an outcome by a stop or a crash: settled from their call's record. */
  private async resume(runtime: CampaignRuntime): Promise<void> {
    for (const contact of await this.repo.contacts.withStatus(runtime.id, 'in_progress', RESUME_BATCH)) {
      const open = contact.attempts.at(-1);
      if (!open || open.outcome !== undefined) continue;
      const call =
        open.callId === undefined
          ? undefined
          : await this.deps.engine.get(open.callId).catch(() => undefined);
      if (call && call.status !== 'ended' && call.status !== 'failed') continue;
      await this.lane.run(contact.id, () => this.calls.settle(runtime, contact.id, open.attemptNumber, call));
    }
  }

  private async moveTo(runtime: CampaignRuntime, to: CampaignState): Promise<void> {
    const previous = runtime.campaign.state;
    const now = iso(this.deps.clock.now());
    runtime.campaign = {
      ...runtime.campaign,
      state: to,
      updatedAt: now,
      ...(to === 'running' && runtime.campaign.startedAt === undefined && { startedAt: now }),
      ...((to === 'completed' || to === 'stopped') && { endedAt: now }),
    };
    await this.save(runtime);
    await this.notifier.state(campaignView(runtime.campaign), previous);
  }

  private settled(runtime: CampaignRuntime): void {
    if (runtime.remaining > 0 || runtime.campaign.state !== 'running') return;
    void this.inCampaign(runtime.id, async () => {
      if (runtime.remaining <= 0 && runtime.campaign.state === 'running')
        await this.moveTo(runtime, 'completed');
    }).catch((err) => this.deps.log?.error({ err }, 'completing a campaign failed'));
  }

  /** The counters changed: they are saved and published within a second. */
  private changed(runtime: CampaignRuntime): void {
    runtime.dirty = true;
    if (runtime.flushTimer || !this.running) return;
    runtime.flushTimer = this.deps.clock.setTimer(FLUSH_EVERY_MS, () => {
      runtime.flushTimer = undefined;
      void this.lane
        .run(`campaign:${runtime.id}`, async () => {
          await this.save(runtime);
          await this.notifier.stats(runtime.id, runtime.stats());
        })
        .catch((err) => this.deps.log?.error({ err }, 'saving campaign figures failed'));
    });
  }

  private async save(runtime: CampaignRuntime): Promise<void> {
    runtime.dirty = false;
    await this.repo.campaigns.save(runtime.campaign);
  }

  private inCampaign<T>(id: string, work: (runtime: CampaignRuntime) => Promise<T>): Promise<T> {
    return this.lane.run(`campaign:${id}`, async () => work(await this.stored(id)));
  }

  private async stored(id: string): Promise<CampaignRuntime> {
    const runtime = this.runtimes.get(id);
    if (runtime) return runtime;
    const stored = await this.repo.campaigns.get(id);
    if (!stored) {
      throw new SwitchboardError('CAMPAIGN_NOT_FOUND', `No campaign has id "${id}".`, { campaignId: id });
    }
    // A finished campaign is read as stored; it dials nothing, so it is not kept in memory.
    const finished = new CampaignRuntime(stored);
    const counts = await this.repo.contacts.countByStatus(id);
    finished.remaining = (counts.pending ?? 0) + (counts.in_progress ?? 0);
    return finished;
  }

  private async contact(campaignId: string, contactId: string): Promise<Contact> {
    const contact = await this.repo.contacts.get(contactId);
    if (!contact || contact.campaignId !== campaignId) {
      throw new SwitchboardError(
        'CONTACT_NOT_FOUND',
        `Campaign ${campaignId} has no contact "${contactId}".`,
        {
          campaignId,
          contactId,
        },
      );
    }
    return contact;
  }

  private checkInput(input: CampaignInput): void {
    this.deps.acd.getQueue(input.queueId);
    if (!isKnownZone(input.timezone)) {
      throw new SwitchboardError(
        'VALIDATION_ERROR',
        `timezone "${input.timezone}" is not an IANA time zone.`,
        [{ in: 'body', path: 'timezone', problem: 'not an IANA time zone (e.g. Europe/Paris)' }],
      );
    }
  }

  private invalidState(
    campaign: Campaign,
    action: string,
    allowed: readonly CampaignState[],
  ): SwitchboardError {
    return new SwitchboardError(
      'INVALID_STATE',
      `Campaign ${campaign.id} is ${campaign.state}; it can be ${action} only when ${allowed.join(' or ')}.`,
      { campaignId: campaign.id, state: campaign.state, allowedFrom: allowed },
    );
  }
}
