import type { QueueConfig } from '../../../core/queue.ts';
import type { LiveAgent } from '../live-agent.ts';

/** What a strategy may look at to choose. */
export interface PickContext {
  readonly queue: QueueConfig;
  /** Per-queue memory (round robin remembers who was last). */
  readonly memory: { lastAgentId?: string };
  /** Each member's place in the queue's member list. */
  readonly memberIndex: ReadonlyMap<string, number>;
  /** A number in [0, 1); seedable so tests are deterministic. */
  readonly random: () => number;
}

/**
 * Chooses whom to offer a call to from the free members (never empty). Returns one agent, or several
 * for ring-all. Pure: the distributor reserves and offers.
 */
export type Strategy = (candidates: readonly LiveAgent[], context: PickContext) => readonly LiveAgent[];

/** The earlier-idle agent of two, ties broken by id so choices are reproducible. */
export function longerIdle(a: LiveAgent, b: LiveAgent): LiveAgent {
  if (a.idleSince !== b.idleSince) return a.idleSince < b.idleSince ? a : b;
  return a.profile.id <= b.profile.id ? a : b;
}
