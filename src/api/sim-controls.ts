import { z } from 'zod';
import { addressInput } from '../apps/http-kit/schemas.ts';
import { HANGUP_CAUSES, type HangupCause } from '../core/call.ts';
import { enumOf } from './schemas/call.ts';

/** How a simulated remote party ends a call attempt it does not answer. */
/** `network_error` is the provider failing (not the callee): what trips the outbound circuit breaker. */
export type SimOutcome = 'answer' | 'busy' | 'rejected' | 'unreachable' | 'invalid_number' | 'network_error';

/** Scripted behaviour of a simulated remote party. */
export interface SimProfile {
  /** Answers after this long; `null` never answers (the caller's ring timeout decides). */
  readonly answerAfterMs?: number | null;
  readonly outcome?: SimOutcome;
  /** For an outcome other than `answer`: how long before the failure is reported. */
  readonly failAfterMs?: number;
  /** Hangs up this long after answering; `null` stays until the other side hangs up. */
  readonly hangupAfterMs?: number | null;
  /** Digits the party presses after answering. */
  readonly dtmf?: {
    readonly digits: string;
    readonly afterMs?: number;
    readonly interDigitMs?: number;
    readonly durationMs?: number;
  };
  /** Seeded random behaviour per call: answer rate, answer delay, talk (handle) time. */
  readonly distribution?: {
    readonly seed?: number;
    readonly answerRate?: number;
    readonly otherwise?: Exclude<SimOutcome, 'answer'> | 'no_answer';
    readonly answerAfterMs?: { readonly min: number; readonly max: number };
    readonly talkMs?: {
      readonly mean: number;
      readonly cv?: number;
      readonly min?: number;
      readonly max?: number;
    };
  };
}

/** A profile and the dialled address it applies to; profiles are keyed (upserted) by `match`. */
export interface SimProfileRule {
  readonly match: string;
  readonly profile: SimProfile;
}

/** The simulator's view of one channel: the fields clients rely on, and whatever else it reports. */
export type SimChannelView = {
  readonly id: string;
  readonly direction: 'inbound' | 'outbound';
  /** The dialled address (outbound) or the caller (inbound). */
  readonly address: string;
  readonly state: string;
} & Readonly<Record<string, unknown>>;

/** How a remote party declines a ringing call. */
export type SimRejectCause = 'busy' | 'rejected';

/**
 * What the simulator lets the API do: script the remote parties, act as them, and move virtual time.
 * It mirrors the SimulatorDriver of `src/telephony/sim`, so the driver itself can be passed in.
 * Methods may answer synchronously or with a promise. A channel that does not exist fails with
 * CHANNEL_NOT_FOUND; an action the channel's state does not allow with INVALID_STATE (the engine
 * translates the driver's errors: see `withEngineErrorsOn`).
 */
export interface SimControls {
  /** Adds a rule, or replaces the one with the same `match`. */
  setProfile(rule: SimProfileRule): void | Promise<void>;
  /** Removes the rule for `match`; false when there was none. */
  removeProfile(match: string): boolean;
  listProfiles(): readonly SimProfileRule[];
  /** A remote party calls in; returns the id of the new inbound channel. */
  placeInboundCall(call: { from: string; to: string; abandonAfterMs?: number }): string;
  partyAnswer(channelId: string): void | Promise<void>;
  partyHangup(channelId: string, cause?: HangupCause): void | Promise<void>;
  partyReject(channelId: string, cause?: SimRejectCause): void | Promise<void>;
  partySendDtmf(channelId: string, digits: string, interDigitMs?: number): void | Promise<void>;
  partyHold(channelId: string): void | Promise<void>;
  partyUnhold(channelId: string): void | Promise<void>;
  channels(): readonly SimChannelView[];
  /** A phone registers (`true`) or leaves the phone system (`false`). */
  setPhoneRegistered(endpoint: string, registered: boolean): void | Promise<void>;
  /** The virtual clock; absent when the simulator runs on the real clock. */
  readonly clock?: { now(): number; advance(ms: number): Promise<void> };
  /** Ends every channel, forgets every profile. */
  reset(): Promise<void>;
}

const MAX_DELAY_MS = 7 * 24 * 60 * 60 * 1000;
const delay = (description: string) => z.number().int().min(0).max(MAX_DELAY_MS).describe(description);

export const SimOutcomeSchema = enumOf<SimOutcome>({
  answer: true,
  busy: true,
  rejected: true,
  unreachable: true,
  invalid_number: true,
  network_error: true,
});

export const SimRejectCauseSchema = enumOf<SimRejectCause>({ busy: true, rejected: true });

export const HangupCauseSchema = z.enum(HANGUP_CAUSES);

/**
 * A profile rule, strict (unknown fields rejected) for requests and lenient for answers, so that a
 * field the simulator adds later is dropped from an answer instead of failing it.
 */
function profileRule(strict: boolean) {
  const object = <S extends z.ZodRawShape>(shape: S) => (strict ? z.strictObject(shape) : z.object(shape));
  return object({
    match: z
      .string()
      .min(1)
      .max(128)
      .describe('An exact address, or a prefix ending in `*` (`+1555*`, `*`); the most specific rule wins.'),
    profile: object({
      answerAfterMs: delay('Answers after this long; null never answers.').nullable().optional(),
      outcome: SimOutcomeSchema.optional().describe('What the party does; `answer` unless set.'),
      failAfterMs: delay('For a failing outcome: when the failure is reported.').optional(),
      hangupAfterMs: delay('Hangs up this long after answering; null stays on.').nullable().optional(),
      dtmf: object({
        digits: z
          .string()
          .regex(/^[0-9*#A-D]{1,128}$/, 'use 1 to 128 of 0-9, *, #, A-D')
          .describe('Digits to press, one at a time.'),
        afterMs: delay('After answering.').optional(),
        interDigitMs: delay('Between digits.').optional(),
        durationMs: delay('Tone length of each digit.').optional(),
      })
        .optional()
        .describe('Digits the party presses once answered.'),
      distribution: object({
        seed: z.int().optional().describe('Seed of the draws: the same rules and calls give the same run.'),
        answerRate: z.number().min(0).max(1).optional().describe('Share of calls answered; default 1.'),
        otherwise: z
          .enum(['no_answer', 'busy', 'rejected', 'unreachable', 'invalid_number', 'network_error'])
          .optional()
          .describe('What the calls not answered do; default busy (no_answer rings until the timeout).'),
        answerAfterMs: object({ min: delay('Shortest.'), max: delay('Longest.') })
          .refine((r) => r.min <= r.max, { error: 'min must not exceed max' })
          .optional()
          .describe('Answer delay, drawn evenly between min and max.'),
        talkMs: object({
          mean: delay('Mean talk time.'),
          cv: z.number().min(0).max(5).optional().describe('Coefficient of variation; default 0.5.'),
          min: delay('Shortest.').optional(),
          max: delay('Longest.').optional(),
        })
          .optional()
          .describe('Talk (handle) time before the party hangs up, log-normal.'),
      })
        .optional()
        .describe('Seeded random behaviour per call, for pacing tests and load runs.'),
    }),
  });
}

export const SimProfileRuleBody = profileRule(true);
export const SimProfileRuleSchema = profileRule(false).meta({ id: 'SimProfileRule' });

export const SimInboundBody = z.strictObject({
  from: addressInput('The remote caller.'),
  to: addressInput('The number or endpoint it dials.'),
  abandonAfterMs: delay('The caller gives up after this long if nobody answers.').optional(),
});

/** A channel in answers: the fields clients rely on, and whatever else the simulator reports. */
export const SimChannelSchema = z
  .looseObject({
    id: z.string(),
    direction: z.enum(['inbound', 'outbound']),
    address: z.string().describe('The dialled address (outbound) or the caller (inbound).'),
    state: z.string(),
    muted: z.boolean().optional().describe('Muted: nobody hears this party.'),
    hears: z
      .array(z.string())
      .optional()
      .describe(
        'Ids of the channels whose voice reaches this party now: from its bridge and role (a listening ' +
          "supervisor is heard by nobody, a whispering one by the bridge's agent alone), muting and hold.",
      ),
  })
  .meta({ id: 'SimChannel' });
