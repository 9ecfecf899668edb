import type { QueueConfig } from '../../core/queue.ts';
import type { WaitingList } from './waiting-list.ts';

/** One queue at run time: its configuration, its callers and its figures. */
export interface QueueRuntime {
  config: QueueConfig;
  readonly waiting: WaitingList;
  readonly memory: { lastAgentId?: string };
  readonly counters: QueueCounters;
}

/** Counters of the current reporting interval. */
export interface QueueCounters {
  intervalStart: number;
  entered: number;
  answered: number;
  answeredInTime: number;
  abandoned: number;
  overflowed: number;
  totalWaitMs: number;
  talks: number;
  totalTalkMs: number;
}
