import { describe, expect, it } from 'vitest';
import { iso, type TimerHandle, VirtualClock } from '../src/core/clock.ts';

const T0 = Date.UTC(2030, 5, 1);

/** A clock at T0 and a log of which timer ran at what time after T0. */
function setup() {
  const clock = new VirtualClock(T0);
  const log: string[] = [];
  const mark = (name: string) => () => log.push(`${name}@${clock.now() - T0}`);
  return { clock, log, mark };
}

describe('VirtualClock', () => {
  it('starts where it is told, by default on a Monday morning in 2026, and only moves when told', async () => {
    expect(new VirtualClock().now()).toBe(Date.UTC(2026, 0, 5, 9, 0, 0));
    const { clock } = setup();
    expect(clock.now()).toBe(T0);
    await clock.advance(1_234);
    expect(clock.now()).toBe(T0 + 1_234);
  });

  it('runs timers in order of due time, whatever order they were set in', async () => {
    const { clock, log, mark } = setup();
    clock.setTimer(300, mark('c'));
    clock.setTimer(100, mark('a'));
    clock.setTimer(200, mark('b'));
    await clock.advance(1_000);
    expect(log).toEqual(['a@100', 'b@200', 'c@300']);
  });

  it('runs timers due at the same instant in the order they were set', async () => {
    const { clock, log, mark } = setup();
    for (const name of ['one', 'two', 'three', 'four', 'five', 'six', 'seven'])
      clock.setTimer(500, mark(name));
    clock.setTimer(0, mark('now'));
    await clock.advance(500);
    expect(log).toEqual([
      'now@0',
      'one@500',
      'two@500',
      'three@500',
      'four@500',
      'five@500',
      'six@500',
      'seven@500',
    ]);
  });

  it('runs a timer exactly at its due time and not a millisecond before', async () => {
    const { clock, log, mark } = setup();
    clock.setTimer(1_000, mark('t'));
    await clock.advance(999);
    expect(log).toEqual([]);
    await clock.advance(1);
    expect(log).toEqual(['t@1000']);
  });

  it('treats negative and NaN delays as 0, and an infinite one as never', async () => {
    const { clock, log, mark } = setup();
    clock.setTimer(-50, mark('negative'));
    clock.setTimer(Number.NaN, mark('nan'));
    clock.setTimer(Number.POSITIVE_INFINITY, mark('never'));
    await clock.advance(0);
    expect(log).toEqual(['negative@0', 'nan@0']);
    await clock.advance(1e12);
    expect(log).toHaveLength(2);
    expect(clock.now()).toBe(T0 + 1e12);
  });

  it('runs timers set by a timer in the same advance when they fall inside it, in time order', async () => {
    const { clock, log, mark } = setup();
    clock.setTimer(100, () => {
      mark('first')();
      clock.setTimer(0, mark('chained-now'));
      clock.setTimer(50, mark('chained-150'));
      clock.setTimer(1_000, mark('chained-1100'));
    });
    clock.setTimer(120, mark('second'));
    await clock.advance(500);
    expect(log).toEqual(['first@100', 'chained-now@100', 'second@120', 'chained-150@150']);
    expect(clock.now()).toBe(T0 + 500);
    await clock.advance(600);
    expect(log.at(-1)).toBe('chained-1100@1100');
  });

  it('clearTimer stops a timer; clearing one that ran or was cleared is harmless', async () => {
    const { clock, log, mark } = setup();
    const a = clock.setTimer(100, mark('a'));
    const b = clock.setTimer(200, mark('b'));
    expect(clock.pendingTimers).toBe(2);
    clock.clearTimer(b);
    clock.clearTimer(b);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(1_000);
    clock.clearTimer(a);
    expect(log).toEqual(['a@100']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a timer can cancel a later one, even one due at the same instant', async () => {
    const { clock, log, mark } = setup();
    let victim: TimerHandle | undefined;
    clock.setTimer(100, () => victim && clock.clearTimer(victim));
    victim = clock.setTimer(100, mark('same-instant'));
    const later = clock.setTimer(200, mark('later'));
    clock.setTimer(150, () => clock.clearTimer(later));
    clock.setTimer(250, mark('survivor'));
    await clock.advance(300);
    expect(log).toEqual(['survivor@250']);
  });

  it('keeps due order across many timers set and cleared at random', async () => {
    const { clock } = setup();
    const ran: number[] = [];
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const handles = Array.from({ length: 2_000 }, () => {
      const delay = Math.floor(random() * 10_000);
      return clock.setTimer(delay, () => ran.push(clock.now() - T0));
    });
    let cleared = 0;
    for (const handle of handles) {
      if (random() < 0.3) {
        clock.clearTimer(handle);
        cleared++;
      }
    }
    expect(clock.pendingTimers).toBe(handles.length - cleared);
    await clock.advance(10_000);
    expect(ran).toHaveLength(handles.length - cleared);
    expect(ran).toEqual([...ran].sort((x, y) => x - y));
  });

  it('serialises concurrent advances: each starts where the previous one ended', async () => {
    const { clock, log, mark } = setup();
    clock.setTimer(1_500, mark('t'));
    const first = clock.advance(1_000);
    const second = clock.advance(1_000);
    await first;
    expect(clock.now()).toBe(T0 + 1_000);
    expect(log).toEqual([]);
    await second;
    expect(clock.now()).toBe(T0 + 2_000);
    expect(log).toEqual(['t@1500']);
  });

  it('advanceTo moves to an absolute time, never backwards, even behind a pending advance', async () => {
    const { clock } = setup();
    const first = clock.advance(1_000);
    const to = clock.advanceTo(T0 + 1_500);
    await Promise.all([first, to]);
    expect(clock.now()).toBe(T0 + 1_500);
    await clock.advanceTo(T0);
    expect(clock.now()).toBe(T0 + 1_500);
  });

  it('refuses to move by a negative or non-finite amount', () => {
    const { clock } = setup();
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    expect(() => clock.advance(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => clock.advanceTo(Number.NaN)).toThrow(RangeError);
    expect(() => clock.runAtSpeed(0)).toThrow(RangeError);
    expect(clock.now()).toBe(T0);
  });

  it('waits for the settle hook after each timer, so async work a timer starts finishes in time order', async () => {
    const { clock, log } = setup();
    let pending: Promise<void> = Promise.resolve();
    clock.onSettle(() => pending);
    const work = (name: string) => () => {
      // Several hops of async work, like an engine step that awaits a store write.
      pending = (async () => {
        await Promise.resolve();
        await new Promise((resolve) => setImmediate(resolve));
        log.push(`${name} done@${clock.now() - T0}`);
      })();
    };
    clock.setTimer(100, work('a'));
    clock.setTimer(100, () => log.push(`b starts@${clock.now() - T0}`));
    clock.setTimer(200, work('c'));
    await clock.advance(300);
    expect(log).toEqual(['a done@100', 'b starts@100', 'c done@200']);
  });

  it('settles work started before the advance before running the first timer', async () => {
    const { clock, log, mark } = setup();
    let release!: () => void;
    const before = new Promise<void>((resolve) => {
      release = resolve;
    });
    clock.onSettle(() => before);
    clock.setTimer(0, mark('timer'));
    const advancing = clock.advance(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual([]);
    log.push('work done');
    release();
    await advancing;
    expect(log).toEqual(['work done', 'timer@0']);
  });

  it('rejects an advance whose timer throws; the clock goes on from there', async () => {
    const { clock, log, mark } = setup();
    clock.setTimer(100, () => {
      throw new Error('timer bug');
    });
    clock.setTimer(200, mark('after'));
    await expect(clock.advance(300)).rejects.toThrow('timer bug');
    expect(clock.now()).toBe(T0 + 100);
    await clock.advance(200);
    expect(log).toEqual(['after@200']);
    expect(clock.now()).toBe(T0 + 300);
  });

  it('pause stops a clock running at speed and leaves time where it is', () => {
    const { clock } = setup();
    clock.runAtSpeed(1_000);
    clock.pause();
    clock.pause();
    expect(clock.now()).toBe(T0);
  });
});

describe('VirtualClock with many cancelled timers', () => {
  it('still runs the live ones in order after compacting the cancelled ones away', async () => {
    const clock = new VirtualClock(0);
    const fired: number[] = [];
    const handles = Array.from({ length: 5000 }, (_, i) =>
      clock.setTimer(5000 - i, () => fired.push(5000 - i)),
    );
    // Cancel four in five, enough to trigger compaction more than once.
    handles.forEach((h, i) => {
      if (i % 5 !== 0) clock.clearTimer(h);
    });
    clock.clearTimer(handles[0]!);
    clock.clearTimer(handles[0]!); // twice is harmless
    expect(clock.pendingTimers).toBe(1000 - 1);
    clock.setTimer(1, () => fired.push(1));
    await clock.advance(5000);
    const expected = handles.map((_, i) => 5000 - i).filter((_, i) => i % 5 === 0 && i !== 0);
    expect(fired).toEqual([1, ...expected.sort((a, b) => a - b)]);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('iso', () => {
  it('formats every instant exactly, whether or not a recent one shared its cache slot', () => {
    const base = Date.UTC(2026, 0, 5, 9, 0, 0);
    // 4096 ms apart: the same slot of the cache, so each call must replace, never reuse, the other.
    const instants = [base, base + 4096, base, base + 1, base + 4096 * 1000 + 0.5, base + 1];
    for (const ms of instants) expect(iso(ms)).toBe(new Date(ms).toISOString());
    expect(iso(undefined)).toBeUndefined();
    expect(() => iso(Number.NaN)).toThrow(RangeError);
  });
});
