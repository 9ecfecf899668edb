import type { RecordingPolicy } from './recording.ts';

/** Queues hold callers until an agent is free; their configuration is data, validated at the edge. */

export const QUEUE_STRATEGIES = [
  'ring_all',
  'longest_idle',
  'fewest_calls',
  'round_robin',
  'skills',
  'random',
] as const;
export type QueueStrategy = (typeof QUEUE_STRATEGIES)[number];

export const CALL_PRIORITIES = ['normal', 'high', 'emergency'] as const;
export type CallPriority = (typeof CALL_PRIORITIES)[number];

/** Where a call goes when it cannot (or may no longer) wait here. */
export type QueueExit =
  | { readonly kind: 'queue'; readonly queueId: string }
  | { readonly kind: 'number'; readonly to: string }
  | { readonly kind: 'hangup'; readonly reason: 'normal' | 'rejected' | 'busy' };

/** Opening hours in the queue's own time zone; `weekly` keys are mon..sun, values "HH:mm-HH:mm" ranges. */
export interface BusinessHours {
  readonly timeZone: string;
  readonly weekly: Readonly<Partial<Record<Weekday, readonly string[]>>>;
  /** Whole days closed, as local dates `YYYY-MM-DD`. */
  readonly holidays: readonly string[];
}

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface QueueConfig {
  readonly id: string;
  readonly name: string;
  readonly strategy: QueueStrategy;
  /** Agents who take this queue's calls. */
  readonly members: readonly string[];
  /** Skills a caller needs here (`skills` strategy ranks members by these), name -> minimum level. */
  readonly requiredSkills: Readonly<Record<string, number>>;
  /** How long one offer rings an agent before it goes to the next. */
  readonly offerTimeoutMs: number;
  /** How long an agent stays in wrap-up after a call from this queue. */
  readonly wrapUpMs: number;
  /** Longest a caller waits before `overflow` (absent: forever). */
  readonly maxWaitMs?: number;
  readonly overflow?: QueueExit;
  /** What happens to a caller when no member is logged in at all. */
  readonly whenNoAgents: 'wait' | 'overflow';
  readonly businessHours?: BusinessHours;
  readonly closedAction?: QueueExit;
  /** Answered within this counts towards the service level. */
  readonly serviceLevelMs: number;
  /** A caller's priority rises by one level per this much waiting, so nobody starves. */
  readonly agingMs: number;
  /** Whether (and what share of) the calls answered from this queue are recorded. */
  readonly recording?: RecordingPolicy;
}
