import type { Agent } from '../../core/agent.ts';
import type { CallPriority } from '../../core/queue.ts';

/** A caller's place in a queue, as `queue.entered` and `queue.position` report it. */
export interface QueueCallData {
  readonly queueId: string;
  readonly callId: string;
  /** 1 = next to be offered. */
  readonly position: number;
  readonly estimatedWaitMs: number;
}

/** Live and interval figures of one queue. */
export interface QueueStats {
  readonly queueId: string;
  readonly at: string;
  readonly waiting: number;
  readonly longestWaitMs: number;
  readonly agentsLoggedIn: number;
  readonly agentsAvailable: number;
  /** Since `intervalStart` (the current interval, `intervalMs` long). */
  readonly intervalStart: string;
  readonly entered: number;
  readonly answered: number;
  readonly abandoned: number;
  readonly overflowed: number;
  /** Share of answered + abandoned calls answered within the queue's threshold, 0..1; null before any. */
  readonly serviceLevel: number | null;
  readonly averageWaitMs: number | null;
  readonly averageTalkMs: number | null;
}

/** Why a caller left a queue. */
export const QUEUE_LEFT_REASONS = [
  'answered',
  'abandoned',
  'overflow',
  'closed',
  'no_agents',
  'ended',
  'moved',
] as const;

/** The ACD's events and what each carries in `data`. */
export interface AcdEventDataMap {
  'agent.state': { readonly agent: Agent; readonly previous: Agent['status']['state'] };
  'queue.entered': QueueCallData & { readonly priority: CallPriority };
  'queue.position': QueueCallData;
  'queue.left': {
    readonly queueId: string;
    readonly callId: string;
    readonly reason: (typeof QUEUE_LEFT_REASONS)[number];
    readonly waitedMs: number;
  };
  'queue.stats': { readonly stats: QueueStats };
  /** An agent's phone registered or left; `agent.phone` says which, and since when. */
  'agent.phone': { readonly agent: Agent };
}

declare module '../../core/events.ts' {
  interface DomainEventDataMap extends AcdEventDataMap {}
}
