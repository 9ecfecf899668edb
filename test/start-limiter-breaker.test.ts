import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../src/core/circuit-breaker.ts';
import { VirtualClock } from '../src/core/clock.ts';
import { StartLimiter } from '../src/core/start-limiter.ts';

/** The reusable limits of outbound calling (and later campaigns), on the virtual clock. */

describe('StartLimiter', () => {
  it('lets at most maxInFlight start at once, first come first served', async () => {
    const clock = new VirtualClock();
    const limiter = new StartLimiter(clock, { perWindow: 100, maxInFlight: 2 });
    const order: number[] = [];
    const turns = [0, 1, 2, 3].map((i) =>
      limiter.acquire().then((done) => {
        order.push(i);
        return done;
      }),
    );
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([0, 1]);
    expect(limiter.current).toBe(2);
    expect(limiter.queued).toBe(2);
    expect(limiter.free).toBe(0);
    expect(limiter.tryAcquire()).toBeUndefined();
    const [first] = await Promise.all(turns.slice(0, 1));
    first?.();
    first?.(); // a second call changes nothing
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([0, 1, 2]);
    expect(limiter.current).toBe(2);
  });

  it('lets at most perWindow start in any window, the rest when the oldest start leaves it', async () => {
    const clock = new VirtualClock();
    const limiter = new StartLimiter(clock, { perWindow: 3, windowMs: 1000, maxInFlight: 100 });
    const starts: number[] = [];
    for (let i = 0; i < 7; i++) {
      void limiter.acquire().then((done) => {
        starts.push(clock.now());
        done();
      });
    }
    await new Promise((r) => setImmediate(r));
    const t0 = clock.now();
    expect(starts).toEqual([t0, t0, t0]);
    expect(limiter.nextFreeAt()).toBe(t0 + 1000);
    await clock.advance(999);
    expect(starts).toHaveLength(3);
    await clock.advance(1);
    expect(starts).toEqual([t0, t0, t0, t0 + 1000, t0 + 1000, t0 + 1000]);
    await clock.advance(1000);
    expect(starts).toHaveLength(7);
    expect(limiter.free).toBe(2);
    const turn = limiter.tryAcquire();
    expect(turn).toBeDefined();
    expect(limiter.free).toBe(1);
  });
});

describe('CircuitBreaker', () => {
  it('opens at the threshold of consecutive failures; a success in between starts the count again', () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker(clock, { failureThreshold: 3, resetAfterMs: 60_000 });
    breaker.failure();
    breaker.failure();
    breaker.success();
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe('closed');
    expect(breaker.tryPass()).toBe(true);
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(breaker.tryPass()).toBe(false);
    expect(breaker.reopensAt).toBe(clock.now() + 60_000);
  });

  it('half-opens after the reset time for exactly one trial; its success closes, its failure reopens', async () => {
    const clock = new VirtualClock();
    const breaker = new CircuitBreaker(clock, { failureThreshold: 1, resetAfterMs: 10_000 });
    breaker.failure();
    await clock.advance(10_000);
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryPass()).toBe(true);
    expect(breaker.tryPass()).toBe(false);
    // A trial refused before it was sent gives its turn back.
    breaker.abandonTrial();
    expect(breaker.tryPass()).toBe(true);
    breaker.failure();
    expect(breaker.state).toBe('open');
    await clock.advance(10_000);
    expect(breaker.tryPass()).toBe(true);
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(breaker.reopensAt).toBeUndefined();
  });
});
