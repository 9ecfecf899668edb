import type { Clock } from '../../core/clock.ts';
import type { DriverEvent } from '../driver.ts';
import type { SimChannel } from './channel.ts';

/**
 * The digits remote parties press: one at a time through the clock, runs queued behind each other so
 * that digits never interleave.
 */
export class SimKeypad {
  constructor(
    private readonly clock: Clock,
    private readonly emit: (event: DriverEvent) => void,
    /** Runs timer work so that its events reach listeners only once it is complete. */
    private readonly batch: (work: () => void) => void,
  ) {}

  /** Presses `digits`: the first after `delayMs` (now if 0), then one every `interDigitMs`. */
  press(ch: SimChannel, digits: string, delayMs: number, interDigitMs: number, durationMs: number): void {
    const run = { digits, pos: 0, delayMs, interDigitMs, durationMs };
    if (ch.dtmfOut) {
      ch.dtmfOut.runs.push(run);
      return;
    }
    ch.dtmfOut = { runs: [run], timer: undefined };
    if (delayMs === 0) this.nextDigit(ch);
    else ch.dtmfOut.timer = this.arm(ch, delayMs);
  }

  /** Stops pressing (the channel ended). */
  stop(ch: SimChannel): void {
    if (ch.dtmfOut?.timer) this.clock.clearTimer(ch.dtmfOut.timer);
    ch.dtmfOut = undefined;
  }

  private arm(ch: SimChannel, ms: number) {
    return this.clock.setTimer(ms, () =>
      this.batch(() => {
        if (ch.live) this.nextDigit(ch);
      }),
    );
  }

  private nextDigit(ch: SimChannel): void {
    const out = ch.dtmfOut;
    const run = out?.runs[0];
    if (!out || !run) return;
    out.timer = undefined;
    const digit = run.digits[run.pos++]!;
    let wait: number | undefined = run.interDigitMs;
    if (run.pos >= run.digits.length) {
      out.runs.shift();
      wait = out.runs[0]?.delayMs;
    }
    if (wait === undefined) ch.dtmfOut = undefined;
    else out.timer = this.arm(ch, wait);
    this.emit({ type: 'channel.dtmf', channelId: ch.id, digit, durationMs: run.durationMs });
  }
}
