import type { Address } from '../../core/call.ts';
import { DriverError } from '../driver.ts';
import { type AriContext, enc } from './ari-context.ts';

/** Channel commands of the ARI driver beyond dialling and hanging up: hold, mute, DTMF, redirect. */

const DTMF_DIGITS = /^[0-9*#A-D]+$/;

export async function hold(ctx: AriContext, channelId: string): Promise<void> {
  const channel = ctx.target(channelId);
  const what = `holding ${channelId}`;
  const moh = { mohClass: ctx.options.mohClass };
  await ctx.call('POST', `/channels/${enc(channelId)}/moh`, moh, what, channel);
  await ctx.call('POST', `/channels/${enc(channelId)}/hold`, undefined, what, channel);
}

export async function unhold(ctx: AriContext, channelId: string): Promise<void> {
  const channel = ctx.target(channelId);
  const what = `taking ${channelId} off hold`;
  await ctx.call('DELETE', `/channels/${enc(channelId)}/hold`, undefined, what, channel);
  await ctx.call('DELETE', `/channels/${enc(channelId)}/moh`, undefined, what, channel);
}

/**
 * Mutes (or unmutes) what the party says, `direction=in`: nobody in its bridge hears it, it still
 * hears them. Asterisk raises no event for either and shows nothing of it (`conference-three-party`).
 */
export async function mute(ctx: AriContext, channelId: string, muted: boolean): Promise<void> {
  const channel = ctx.target(channelId);
  const what = `${muted ? 'muting' : 'unmuting'} ${channelId}`;
  await ctx.call(
    muted ? 'POST' : 'DELETE',
    `/channels/${enc(channelId)}/mute`,
    { direction: 'in' },
    what,
    channel,
  );
}

export async function sendDtmf(ctx: AriContext, channelId: string, digits: string): Promise<void> {
  if (typeof digits !== 'string' || !DTMF_DIGITS.test(digits)) {
    throw new DriverError('invalid', `DTMF digits may only be 0-9, *, # and A-D, got "${digits}"`);
  }
  const channel = ctx.target(channelId);
  const what = `sending DTMF to ${channelId}`;
  await ctx.call('POST', `/channels/${enc(channelId)}/dtmf`, { dtmf: digits }, what, channel);
}

/**
 * Asterisk sends a SIP REFER (answered) or 302 (ringing) and the channel leaves the application when
 * the phone lets go; one that has not after the grace period is hung up.
 */
export async function redirect(ctx: AriContext, channelId: string, endpoint: Address): Promise<void> {
  const channel = ctx.target(channelId);
  if (!endpoint?.value) throw new DriverError('invalid', 'redirect needs an endpoint');
  const dial = ctx.endpoints.dialString(endpoint);
  await ctx.call(
    'POST',
    `/channels/${enc(channelId)}/redirect`,
    { endpoint: dial },
    `redirecting ${channelId}`,
    channel,
  );
  channel.redirected = true;
  channel.redirectTimer ??= ctx.clock.setTimer(ctx.options.redirectGraceMs ?? 10_000, () => {
    channel.redirectTimer = undefined;
    if (ctx.state.channels.get(channelId) !== channel) return;
    ctx.log.info({ channelId }, 'redirected channel did not leave; hanging it up');
    void ctx.client
      .request('DELETE', `/channels/${enc(channelId)}`, { reason: 'normal' })
      .catch((err) => ctx.log.warn({ err: err.message, channelId }, 'hang-up after redirect failed'));
  });
}
