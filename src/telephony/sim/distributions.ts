import { z } from 'zod';

/** The party outcomes of profiles.ts other than `answer` (named here, so that this file needs nothing from there). */
type PartyOutcome = 'busy' | 'rejected' | 'unreachable' | 'invalid_number' | 'network_error';

/**
 * Random behaviour for a profile rule, for pacing tests and load runs: each call to a matching address
 * draws whether the party answers and, if so, when and for how long it talks. Draws come from a PRNG
 * seeded by the rule, so a run with the same rules and the same calls in the same order is repeatable.
 */
export interface PartyDistribution {
  /** Seed of the rule's draws; default 1. */
  readonly seed?: number;
  /** Share of calls answered, 0..1; default 1. */
  readonly answerRate?: number;
  /** What the other calls do: `busy` (default), `no_answer` (ring until the timeout), or another outcome. */
  readonly otherwise?: PartyOutcome | 'no_answer';
  /** ms until an answer, drawn evenly between min and max. */
  readonly answerAfterMs?: { readonly min: number; readonly max: number };
  /**
   * ms of talk before the party hangs up (the handle time), drawn from a log-normal with this mean and
   * coefficient of variation (`cv`, default 0.5), kept between `min` and `max` when given.
   */
  readonly talkMs?: {
    readonly mean: number;
    readonly cv?: number;
    readonly min?: number;
    readonly max?: number;
  };
}

const ms = () => z.number().nonnegative();

/** A distribution as accepted from files and the API. */
export function distributionSchema() {
  return z
    .strictObject({
      seed: z.number().int().optional(),
      answerRate: z.number().min(0).max(1).optional(),
      otherwise: z
        .enum(['no_answer', 'busy', 'rejected', 'unreachable', 'invalid_number', 'network_error'])
        .optional(),
      answerAfterMs: z
        .strictObject({ min: ms(), max: ms() })
        .refine((r) => r.min <= r.max, { error: 'min must not exceed max' })
        .optional(),
      talkMs: z
        .strictObject({
          mean: ms(),
          cv: z.number().min(0).max(5).optional(),
          min: ms().optional(),
          max: ms().optional(),
        })
        .optional(),
    })
    .describe('Seeded random answer rate, answer delay and talk (handle) time.');
}

/** What one call draws: the fields it overrides in the rule's profile. */
export interface Draw {
  readonly outcome: PartyOutcome | 'answer';
  readonly answerAfterMs?: number | null;
  readonly hangupAfterMs?: number | null;
}

/** A seeded source of draws for one rule (mulberry32: small, fast, and good enough for simulation). */
export class PartyDraws {
  private state: number;

  constructor(private readonly spec: PartyDistribution) {
    this.state = (spec.seed ?? 1) >>> 0;
  }

  next(): Draw {
    const { spec } = this;
    if (this.random() >= (spec.answerRate ?? 1)) {
      const otherwise = spec.otherwise ?? 'busy';
      return otherwise === 'no_answer' ? { outcome: 'answer', answerAfterMs: null } : { outcome: otherwise };
    }
    const after = spec.answerAfterMs;
    const talk = spec.talkMs;
    return {
      outcome: 'answer',
      ...(after && { answerAfterMs: Math.round(after.min + this.random() * (after.max - after.min)) }),
      ...(talk && { hangupAfterMs: Math.round(this.logNormal(talk)) }),
    };
  }

  private logNormal(talk: NonNullable<PartyDistribution['talkMs']>): number {
    const cv = talk.cv ?? 0.5;
    const sigma2 = Math.log(1 + cv * cv);
    const mu = Math.log(Math.max(talk.mean, 1)) - sigma2 / 2;
    // Box-Muller; 1 - u keeps the logarithm finite.
    const z = Math.sqrt(-2 * Math.log(1 - this.random())) * Math.cos(2 * Math.PI * this.random());
    const value = Math.exp(mu + Math.sqrt(sigma2) * z);
    return Math.min(talk.max ?? Number.POSITIVE_INFINITY, Math.max(talk.min ?? 0, value));
  }

  private random(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
