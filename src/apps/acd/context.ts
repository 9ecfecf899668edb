import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { Log } from '../../core/log.ts';
import type { CallControl, CallDistribution, CallMedia, EndpointWatching } from '../../engine/types.ts';
import type { AgentStateLogRepository } from '../../store/types.ts';
import type { LiveAgent } from './live-agent.ts';
import type { AcdNotifier } from './notifier.ts';
import type { QueueRuntime } from './queue-runtime.ts';
import type { WaitingCall } from './waiting-list.ts';

export interface AcdOptions {
  /** Offers an agent may let ring out in a row before going away with reason `no_answer` (default 3). */
  readonly maxMissedOffers?: number;
  /** How often `queue.stats` is published (default 60 s). */
  readonly statsEveryMs?: number;
  /** Length of a reporting interval (default 15 min). */
  readonly intervalMs?: number;
  /** Seedable randomness for the `random` strategy. */
  readonly random?: () => number;
  /** Whether callers hear their position and estimated wait as a prompt (default true, where the driver plays). */
  readonly announce?: boolean;
}

/** What the ACD's parts share: the engine, the clock, the live state. Passed, never global. */
export interface AcdContext {
  readonly engine: CallControl & CallDistribution & CallMedia & EndpointWatching;
  /** The ACD's only way to publish events. */
  readonly notifier: AcdNotifier;
  readonly stateLog: AgentStateLogRepository;
  readonly clock: Clock;
  readonly log: Log;
  readonly agents: Map<string, LiveAgent>;
  readonly queues: Map<string, QueueRuntime>;
  /** Callers waiting anywhere, by call id. */
  readonly waiting: Map<string, WaitingCall>;
  /** Phones' registration as last reported, by the driver's name for them. */
  readonly endpointStates: Map<string, boolean>;
  /** Wrap-up timers by agent id. */
  readonly wrapUps: Map<string, TimerHandle>;
  readonly options: Required<AcdOptions>;
  /** Distribution figures since start, so a distributor that churns without offering shows. */
  readonly distribution: DistributionCounters;
  /** Runs ACD work strictly in order (timers and event reactions enter here). */
  readonly schedule: (work: () => Promise<void>) => void;
}

/** Counts of the distributor's work since the ACD started. */
export interface DistributionCounters {
  /** Callers the distributor tried to ring agents for. */
  attempts: number;
  /** Offers the engine refused (the call was gone, or could not be offered). */
  failures: number;
  /** Callers taken out of their queue because their call had ended when it was offered. */
  dropped: number;
  /** Times a live caller sat out after offers that could not be made. */
  backoffs: number;
}

export type { QueueRuntime } from './queue-runtime.ts';
