import type { QueueConfig } from '../../core/queue.ts';
import type { LiveAgent } from './live-agent.ts';
import type { WaitingList } from './waiting-list.ts';

/** One queue at run time: its configuration, its callers and its figures. */
export interface QueueRuntime {
  config: QueueConfig;
  readonly waiting: WaitingList;
  readonly memory: { lastAgentId?: string };
  readonly counters: QueueCounters;
  /**
   * Members free to take a call (state `available`) and how many are logged in, kept up to date by
   * every agent state change (see `moveAgent`), so that no decision scans the queue's members.
   */
  readonly free: Set<LiveAgent>;
  loggedIn: number;
  /** Each member's place in `config.members`: decisions see the free members in that order. */
  memberIndex: ReadonlyMap<string, number>;
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
