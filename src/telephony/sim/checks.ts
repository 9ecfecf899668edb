import { HANGUP_CAUSES, isHangupCause } from '../../core/call.ts';
import { DriverError } from '../driver.ts';
import type { SimChannel } from './channel.ts';

const DTMF_DIGITS = /^[0-9*#A-D]+$/;

/** The simulator's argument checks: each refuses with DriverError `invalid` and says what fits. */

export function requireState(ch: SimChannel, state: 'ringing' | 'answered', action: string): void {
  if (ch.state !== state) {
    throw new DriverError('invalid', `cannot ${action} channel "${ch.id}": it is ${ch.state}, not ${state}`);
  }
}

export function checkCause(cause: string): void {
  if (!isHangupCause(cause)) {
    throw new DriverError(
      'invalid',
      `unknown hangup cause "${cause}"; use one of ${HANGUP_CAUSES.join(', ')}`,
    );
  }
}

export function checkDigits(digits: string): void {
  if (typeof digits !== 'string' || !DTMF_DIGITS.test(digits)) {
    throw new DriverError('invalid', `DTMF digits may only be 0-9, *, # and A-D, got "${digits}"`);
  }
}

/** A wait in ms: absent, or a finite number of 0 or more. */
export function checkDelay(name: string, ms: number | undefined): void {
  if (ms !== undefined && !(ms >= 0 && Number.isFinite(ms))) {
    throw new DriverError('invalid', `${name} must be 0 or more, got ${ms}`);
  }
}
