import type { AgentStateLogRepository } from '../../src/store/types.ts';

/**
 * Counts agent state changes as the ACD records them and, past `limit` since the last `reset`, makes
 * the next one throw: a runaway distributor then stops (its lane logs the error) instead of spinning
 * forever, so a test bounds it by a count, never by a timeout.
 */
export interface StateFuse {
  /** Changes since the last reset. */
  readonly count: number;
  /** Whether the limit was passed since the last reset. */
  readonly blown: boolean;
  reset(): void;
}

export function armStateFuse(log: AgentStateLogRepository, limit: number): StateFuse {
  const append = log.append.bind(log);
  let count = 0;
  log.append = async (rows) => {
    count += rows.length;
    if (count > limit) throw new Error(`fuse: more than ${limit} agent state changes`);
    return append(rows);
  };
  return {
    get count() {
      return count;
    },
    get blown() {
      return count > limit;
    },
    reset() {
      count = 0;
    },
  };
}
