import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/core/clock.ts';
import { EventPublisher } from '../src/engine/event-publisher.ts';
import { openStore } from '../src/store/open-store.ts';
import type { Store } from '../src/store/types.ts';

/** A store whose commits fail `failures` times (the storage itself, not the data), then succeed. */
function flakyStore(failures: number) {
  const attempts: number[] = [];
  const clock = new VirtualClock();
  const store = {
    events: { lastSeq: async () => 0, after: async () => [] },
    commit: async () => {
      attempts.push(clock.now());
      if (attempts.length <= failures) throw new Error('disk I/O error');
    },
  } as unknown as Pick<Store, 'events' | 'commit'>;
  return { store, clock, attempts };
}

describe('the event publisher on a storage failure', () => {
  it('retries after 50, 200, 800 and 3000 ms of the clock, then delivers the event', async () => {
    const { store, clock, attempts } = flakyStore(4);
    const publisher = new EventPublisher(store, clock);
    await publisher.init();
    const start = clock.now();
    const published = publisher.publish({ type: 'driver.connected', data: { driver: 'simulator' } });
    await clock.advance(4_050);
    await expect(published).resolves.toMatchObject({ seq: 1, type: 'driver.connected' });
    expect(attempts.map((at) => at - start)).toEqual([0, 50, 250, 1_050, 4_050]);
  });

  it('gives the batch up after four retries, without waiting on real time', async () => {
    const { store, clock, attempts } = flakyStore(5);
    const publisher = new EventPublisher(store, clock);
    await publisher.init();
    const published = publisher.publish({ type: 'driver.connected', data: { driver: 'simulator' } });
    const outcome = published.catch((error: Error) => error.message);
    await clock.advance(10_000);
    await expect(outcome).resolves.toBe('disk I/O error');
    expect(attempts).toHaveLength(5);
    expect(publisher.lastSeq).toBe(0);
  });
});

/** Lets the publisher send what was published in this turn. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('the event publisher with several commits in flight', () => {
  it('commits a failed batch and those sent after it again, in order, with no gap', async () => {
    const clock = new VirtualClock();
    const written: number[] = [];
    const answers: Array<() => void> = [];
    let failNext = true;
    // Answers commits in the order they came, as the writer thread does, and refuses a batch that does
    // not start right after the last seq written.
    const store = {
      commitDepth: 4,
      events: { lastSeq: async () => 0, after: async () => [] },
      commit: ({ events }: { events: readonly { seq: number }[] }) =>
        new Promise<void>((resolve, reject) =>
          answers.push(() => {
            if (failNext) {
              failNext = false;
              return reject(new Error('disk I/O error'));
            }
            if (events[0]!.seq !== (written.at(-1) ?? 0) + 1) return reject(new Error('out of order'));
            written.push(...events.map((e) => e.seq));
            resolve();
          }),
        ),
    } as unknown as Pick<Store, 'events' | 'commit' | 'commitDepth'>;
    const publisher = new EventPublisher(store, clock);
    await publisher.init();
    const delivered: number[] = [];
    publisher.subscribe((event) => delivered.push(event.seq));

    const published: Promise<unknown>[] = [];
    for (let turn = 0; turn < 6; turn++) {
      published.push(publisher.publish({ type: 'driver.connected', data: { driver: `d${turn}` } }));
      await nextTurn();
    }
    // Four batches went out before any answer; two wait for room.
    expect(answers).toHaveLength(4);
    for (const answer of answers.splice(0)) answer();
    await nextTurn();
    expect(written).toEqual([]);
    // The four are committed again as one batch after the back-off, then the two that waited.
    await clock.advance(50);
    while (answers.length > 0) {
      for (const answer of answers.splice(0)) answer();
      await nextTurn();
    }
    await publisher.idle();
    const events = (await Promise.all(published)) as { seq: number; data: { driver: string } }[];
    expect(events.map((e) => e.data.driver)).toEqual(['d0', 'd1', 'd2', 'd3', 'd4', 'd5']);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(written).toEqual([1, 2, 3, 4, 5, 6]);
    expect(delivered).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('on the embedded store, refuses only the event that cannot be stored and keeps the log gap-free', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-publisher-'));
    const store = await openStore({ kind: 'sqlite', file: join(dir, 'switchboard.db') });
    try {
      expect(store.commitDepth).toBeGreaterThan(1);
      const publisher = new EventPublisher(store, new VirtualClock());
      await publisher.init();
      const outcomes: Promise<string>[] = [];
      for (let turn = 0; turn < 12; turn++) {
        // A BigInt does not serialise: that one event is refused, alone.
        const driver = turn === 5 ? (10n as unknown as string) : `d${turn}`;
        const published = publisher.publish({ type: 'driver.connected', data: { driver } });
        outcomes.push(
          published.then(
            (e) => `${e.seq}`,
            () => 'refused',
          ),
        );
        await nextTurn();
      }
      await publisher.idle();
      expect(await Promise.all(outcomes)).toEqual([
        '1',
        '2',
        '3',
        '4',
        '5',
        'refused',
        '6',
        '7',
        '8',
        '9',
        '10',
        '11',
      ]);
      const log = await store.events.after(0, 100);
      expect(log.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      expect(log.map((e) => (e.data as { driver: string }).driver)).toEqual([
        'd0',
        'd1',
        'd2',
        'd3',
        'd4',
        'd6',
        'd7',
        'd8',
        'd9',
        'd10',
        'd11',
      ]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
