import type { CampaignMode } from './events.ts';

/**
 * How many numbers a campaign dials now. Pure: the dialer measures, this decides.
 *
 * - preview: one contact offered per free agent (the agent accepts to dial, or skips);
 * - progressive: one line per free agent, never more live unconnected calls than free agents;
 * - predictive: dials ahead of free agents from the measured answer rate and handle time, scaled by
 *   an adaptive ratio that an {@link AbandonGovernor} lowers when answered calls find no agent.
 */

export interface PacingInput {
  readonly mode: CampaignMode;
  /** Available agents of the campaign's queue. */
  readonly freeAgents: number;
  /** Agents of the queue talking or wrapping up (predictive counts those about to be free). */
  readonly busyAgents: number;
  /** Campaign calls dialled (or answered and waiting) that no agent has yet. */
  readonly pending: number;
  /** How many more calls the outbound limits allow now. */
  readonly room: number;
}

export interface PredictiveMeasures {
  /** Share of settled dials that were answered, 0..1. */
  readonly answerRate: number;
  /** Mean ms from dialling to an answer. */
  readonly timeToAnswerMs: number;
  /** Mean ms an agent is busy with a campaign call (talk and wrap-up). */
  readonly handleTimeMs: number;
  /** The adaptive ratio (lines per expected answer). */
  readonly ratio: number;
  /**
   * Abandons the campaign can still afford while its rate stays at or under the maximum
   * (maxAbandonRate × answered − abandoned): the lines dialled beyond free agents are kept within it
   * (each could answer with no agent free), so a campaign starts out progressive and dials further
   * ahead as connected calls earn it room.
   */
  readonly budget: number;
}

/** Lines to dial now, never negative nor more than `room`. */
export function linesToDial(input: PacingInput, measures?: PredictiveMeasures): number {
  const progressive = input.freeAgents - input.pending;
  let wanted = progressive;
  if (input.mode === 'predictive' && measures && measures.budget >= 1) {
    // One line beyond the free agents per abandon still affordable: even if every one of them
    // answered with no agent free, the rate would stay at the maximum.
    wanted = Math.max(progressive, Math.min(predictiveLines(input, measures), progressive + measures.budget));
  }
  return Math.max(0, Math.min(input.room, Math.floor(wanted)));
}

/**
 * Agents who will be free when the lines dialled now answer: the free ones, and the busy ones whose
 * call will have ended by then (each busy agent ends at a rate of 1 / handle time). Each line answers
 * with the answer rate, so the lines are those agents over the rate, times the adaptive ratio, less
 * the lines already out.
 */
function predictiveLines(input: PacingInput, m: PredictiveMeasures): number {
  const freeing = (input.busyAgents * m.timeToAnswerMs) / Math.max(m.handleTimeMs, 1);
  const agentsThen = input.freeAgents + freeing;
  if (agentsThen < 0.5) return 0;
  return (agentsThen * m.ratio) / answerRateOf(m) - input.pending;
}

function answerRateOf(m: PredictiveMeasures): number {
  return Math.min(1, Math.max(m.answerRate, 0.05));
}

export interface GovernorOptions {
  /** The abandon rate not to exceed (abandoned ÷ answered), e.g. 0.03. */
  readonly maxAbandonRate: number;
  /** The ratio to start from; default 1. */
  readonly initialRatio?: number;
  /** Answered calls the recent rate is measured over; default 100. */
  readonly window?: number;
}

const MIN_RATIO = 0.3;
const MAX_RATIO = 3;

/**
 * Keeps the predictive ratio where the abandon rate stays at or under its maximum: every answered call
 * is an observation; an abandon cuts the ratio at once (by more the further over the target the recent
 * rate is), a run of connected calls with the recent rate well under the target raises it slowly. Over
 * the whole campaign, the lines beyond free agents are kept within the abandons still affordable
 * (`budget`): none at the start, none once the rate reaches the maximum, so it cannot run away.
 */
export class AbandonGovernor {
  private ratioValue: number;
  private answered = 0;
  private abandoned = 0;
  private readonly recent: boolean[] = [];
  private readonly window: number;

  constructor(private readonly options: GovernorOptions) {
    this.ratioValue = clamp(options.initialRatio ?? 1);
    this.window = options.window ?? 100;
  }

  get ratio(): number {
    return this.ratioValue;
  }

  /** Abandons still affordable with the rate at or under the maximum; under 1, dial only for free agents. */
  get budget(): number {
    return this.options.maxAbandonRate * this.answered - this.abandoned;
  }

  /** Counts already observed (after a restart, from the stats kept). */
  seed(answered: number, abandoned: number, ratio?: number): void {
    this.answered = answered;
    this.abandoned = abandoned;
    if (ratio !== undefined) this.ratioValue = clamp(ratio);
  }

  /** An answered call either reached an agent in time or was abandoned. */
  observe(abandoned: boolean): void {
    this.answered++;
    if (abandoned) this.abandoned++;
    this.recent.push(abandoned);
    if (this.recent.length > this.window) this.recent.shift();
    const recentRate = this.recent.filter(Boolean).length / this.recent.length;
    const target = this.options.maxAbandonRate;
    if (abandoned) {
      const over = Math.max(1, recentRate / Math.max(target, 1e-6));
      this.ratioValue = clamp(this.ratioValue * 0.9 ** Math.min(over, 4));
    } else if (recentRate < target / 2) {
      this.ratioValue = clamp(this.ratioValue * 1.01);
    }
  }
}

function clamp(ratio: number): number {
  return Math.min(MAX_RATIO, Math.max(MIN_RATIO, ratio));
}

/**
 * A running mean with a prior, so the first calls do not swing the pacing: it starts at `prior` as
 * though `weight` observations had given it.
 */
export class PriorMean {
  private sum: number;
  private count: number;

  constructor(prior: number, weight = 5) {
    this.sum = prior * weight;
    this.count = weight;
  }

  add(value: number): void {
    this.sum += value;
    this.count++;
  }

  get value(): number {
    return this.sum / this.count;
  }
}
