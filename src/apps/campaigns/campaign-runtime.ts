import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { JobQueue, JobRunner } from '../../core/jobs.ts';
import type { Log } from '../../core/log.ts';
import type { KeyedSerialQueue } from '../../core/serial-queue.ts';
import type { OutboundLine } from './dial-line.ts';
import type { Campaign, CampaignStats } from './events.ts';
import type { CampaignNotifier } from './notifier.ts';
import { AbandonGovernor, type PredictiveMeasures } from './pacing.ts';
import type { CampaignCounters, CampaignRepository, StoredCampaign } from './repository.ts';

/** What the dialer and the call follower share: the stores, the runner, the limits, the lane. */
export interface CampaignParts {
  readonly repo: CampaignRepository;
  readonly jobs: JobQueue;
  readonly runner: JobRunner;
  readonly line: OutboundLine;
  readonly notifier: CampaignNotifier;
  readonly clock: Clock;
  /** Work on one contact runs in order (keyed by contact id). */
  readonly lane: KeyedSerialQueue;
  readonly log?: Log;
}

/** Priors the measures start from, as if this many calls had given them. */
const PRIOR_CALLS = 10;
const PRIOR_ANSWER_RATE = 0.5;
const PRIOR_TIME_TO_ANSWER_MS = 5_000;
const PRIOR_HANDLE_MS = 60_000;

/** The job kind of a campaign's dials: one kind per campaign, so each is paced on its own. */
export function dialKind(campaignId: string): string {
  return `campaign.dial:${campaignId}`;
}

/** The job of a contact's attempt: fixed, so adding it twice adds it once; ordered by row. */
export function dialJobId(campaignId: string, row: number, attempt: number): string {
  return `campaign:${campaignId}:${String(row).padStart(9, '0')}:${attempt}`;
}

export function newCounters(dialRatio: number): CampaignCounters {
  return {
    dialled: 0,
    answered: 0,
    abandoned: 0,
    connected: 0,
    settled: 0,
    talkMsByAgent: {},
    timeToAnswerMs: 0,
    handleMs: 0,
    handled: 0,
    dialRatio,
  };
}

/** A campaign's live state in this process: the stored campaign, its pacing, its lines out. */
export class CampaignRuntime {
  governor: AbandonGovernor;
  /** Dials claimed and being started. */
  starting = 0;
  /** Campaign calls placed that no agent has yet (ringing, or answered and waiting). */
  readonly unconnected = new Set<string>();
  /** Contacts pending or in progress. */
  remaining = 0;
  /** Whether the counters changed since they were last saved and published. */
  dirty = false;
  flushTimer: TimerHandle | undefined;

  constructor(public campaign: StoredCampaign) {
    this.governor = governorOf(campaign);
  }

  /** The settings changed (the abandon rate allowed): the governor follows, keeping what it measured. */
  retune(): void {
    this.governor = governorOf(this.campaign);
  }

  get id(): string {
    return this.campaign.id;
  }

  get counters(): CampaignCounters {
    return this.campaign.counters;
  }

  /** Lines out that no agent has: those being started and those placed. */
  get pending(): number {
    return this.starting + this.unconnected.size;
  }

  /** The measures predictive pacing works from, each starting from a prior. */
  measures(): PredictiveMeasures {
    const c = this.counters;
    const mean = (sum: number, n: number, prior: number) => (sum + prior * PRIOR_CALLS) / (n + PRIOR_CALLS);
    return {
      answerRate: mean(c.answered, c.settled, PRIOR_ANSWER_RATE),
      timeToAnswerMs: mean(c.timeToAnswerMs, c.answered, PRIOR_TIME_TO_ANSWER_MS),
      handleTimeMs: mean(c.handleMs, c.handled, PRIOR_HANDLE_MS),
      ratio: this.governor.ratio,
      budget: this.governor.budget,
    };
  }

  /** Changes the counters; they are saved and published by the next flush. */
  count(change: (counters: CampaignCounters) => void): void {
    change(this.campaign.counters);
    this.campaign.counters.dialRatio = this.governor.ratio;
    this.dirty = true;
  }

  stats(): CampaignStats {
    const c = this.counters;
    return {
      dialled: c.dialled,
      answered: c.answered,
      abandoned: c.abandoned,
      abandonRate: c.answered === 0 ? 0 : c.abandoned / c.answered,
      connected: c.connected,
      talkTimeByAgent: Object.fromEntries(
        Object.entries(c.talkMsByAgent).map(([agent, ms]) => [agent, Math.round(ms / 1000)]),
      ),
      remaining: this.remaining,
      dialRatio: Math.round(this.governor.ratio * 1000) / 1000,
    };
  }
}

function governorOf(campaign: StoredCampaign): AbandonGovernor {
  const { counters } = campaign;
  const governor = new AbandonGovernor({
    maxAbandonRate: campaign.maxAbandonRate,
    initialRatio: counters.dialRatio,
  });
  governor.seed(counters.answered, counters.abandoned, counters.dialRatio);
  return governor;
}

/** A campaign as clients read it: without the counters it keeps for stats and pacing. */
export function campaignView(stored: StoredCampaign): Campaign {
  const { counters: _counters, ...view } = stored;
  return view;
}
