import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSwitchboard, type Switchboard } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { AgentProfile } from '../../src/core/agent.ts';
import { VirtualClock } from '../../src/core/clock.ts';
import type { DomainEvent } from '../../src/core/events.ts';
import type { QueueConfig } from '../../src/core/queue.ts';

/** An in-process Switchboard on the virtual clock, for engine-level ACD tests. */
export interface AcdHarness {
  readonly sb: Switchboard;
  readonly clock: VirtualClock;
  readonly events: DomainEvent[];
  advance(ms: number): Promise<void>;
  /** Waits until the engine and the ACD have nothing left to do. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function startAcd(): Promise<AcdHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-acd-'));
  const clock = new VirtualClock();
  const sb = await createSwitchboard(loadConfig({}, { SWITCHBOARD_DATA_DIR: dataDir }), {
    clock,
    logger: false,
  });
  const events: DomainEvent[] = [];
  sb.engine.events.subscribe((e) => events.push(e));
  return {
    sb,
    clock,
    events,
    advance: (ms) => clock.advance(ms),
    settle: () => clock.advance(0),
    async close() {
      await sb.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An agent profile with sensible test defaults. */
export function agent(id: string, extra: Partial<AgentProfile> = {}): AgentProfile {
  return { id, name: id, endpoint: `sim/${id}`, skills: {}, teams: [], roles: ['agent'], ...extra };
}

/** A queue config with sensible test defaults. */
export function queue(id: string, members: string[], extra: Partial<QueueConfig> = {}): QueueConfig {
  return {
    id,
    name: id,
    strategy: 'longest_idle',
    members,
    requiredSkills: {},
    offerTimeoutMs: 15_000,
    wrapUpMs: 0,
    whenNoAgents: 'wait',
    serviceLevelMs: 20_000,
    agingMs: 120_000,
    ...extra,
  };
}
