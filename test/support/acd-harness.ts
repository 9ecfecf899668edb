import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSwitchboard, type Switchboard } from '../../src/app.ts';
import { AcdService } from '../../src/apps/acd/acd-service.ts';
import type { AcdOptions } from '../../src/apps/acd/context.ts';
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

export interface AcdHarnessOptions {
  /** Where the virtual clock starts (epoch ms); default 2026-01-05T09:00:00Z, a Monday. */
  readonly start?: number;
  /**
   * ACD options (a seeded `random`, a shorter `statsEveryMs`, ...). Given, the Switchboard's own ACD
   * is stopped and replaced (as `sb.acd`) by one built with them on the same engine, store and clock,
   * before anything is saved; the clock then settles on the engine and this ACD only, so apps the
   * composition root wires to the original ACD are not part of such a harness.
   */
  readonly acd?: AcdOptions;
}

export async function startAcd(options: AcdHarnessOptions = {}): Promise<AcdHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-acd-'));
  const clock = new VirtualClock(options.start);
  const built = await createSwitchboard(loadConfig({}, { SWITCHBOARD_DATA_DIR: dataDir }), {
    clock,
    logger: false,
  });
  let sb: Switchboard = built;
  if (options.acd) {
    built.acd.stop();
    const acd = new AcdService({
      engine: built.engine,
      publish: (event) => built.engine.publish(event),
      store: built.store,
      clock,
      options: options.acd,
    });
    await acd.start();
    clock.onSettle(async () => {
      do {
        await built.engine.idle();
        await acd.idle();
      } while (built.engine.busy || acd.busy);
    });
    sb = {
      ...built,
      acd,
      close: async () => {
        acd.stop();
        await built.close();
      },
    };
  }
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
