import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/core/clock.ts';
import { EventPublisher } from '../src/engine/event-publisher.ts';
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
