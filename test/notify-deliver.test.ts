import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/core/clock.ts';
import { deliver } from '../src/notify/deliver.ts';
import type { Notification, NotificationSink } from '../src/notify/notification.ts';

const MESSAGE: Notification = {
  id: 'n1',
  channel: 'email',
  to: 'ops@example.com',
  subject: 'NO_AGENTS: Support',
  body: 'Nobody is available.',
  topic: 'callgroup:700',
  at: '2026-01-05T09:00:00.000Z',
};

/** A sink that fails with the given errors, in turn, then accepts; it notes when each attempt came. */
function flakySink(clock: VirtualClock, failures: unknown[]): NotificationSink & { attempts: number[] } {
  const attempts: number[] = [];
  return {
    attempts,
    async send() {
      attempts.push(clock.now());
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
    },
  };
}

const policy = { initialMs: 1_000, maxMs: 8_000, attempts: 4, jitter: 'none' as const };

describe('delivering a notification', () => {
  it('retries a transient failure with back-off on the clock, then succeeds', async () => {
    const clock = new VirtualClock();
    const t0 = clock.now();
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const sink = flakySink(clock, [reset, Object.assign(new Error('bad gateway'), { status: 502 })]);
    const outcome = deliver(sink, MESSAGE, clock, policy);
    await clock.advance(999);
    expect(sink.attempts).toEqual([t0]);
    await clock.advance(1);
    await clock.advance(2_000);
    expect(await outcome).toEqual({ kind: 'sent', attempts: 3 });
    expect(sink.attempts).toEqual([t0, t0 + 1_000, t0 + 3_000]);
  });

  it('does not retry a 4xx from the downstream', async () => {
    const clock = new VirtualClock();
    const refused = Object.assign(new Error('unknown recipient'), { status: 422 });
    const sink = flakySink(clock, [refused]);
    expect(await deliver(sink, MESSAGE, clock, policy)).toEqual({
      kind: 'refused',
      attempts: 1,
      error: refused,
    });
    expect(sink.attempts).toHaveLength(1);
  });

  it('gives up after the last attempt, saying so', async () => {
    const clock = new VirtualClock();
    const down = new Error('connection refused');
    const sink = flakySink(clock, [down, down, down, down, down]);
    const outcome = deliver(sink, MESSAGE, clock, policy);
    await clock.advance(60_000);
    expect(await outcome).toEqual({ kind: 'failed', attempts: 4, error: down });
  });
});
