import { createHmac } from 'node:crypto';

/**
 * `Switchboard-Signature: t=UNIX_SECONDS,v1=HEX`, HEX being HMAC-SHA256 of `{t}.{raw body}` with the
 * subscription's secret (as payment providers sign theirs). The timestamp inside the signed text lets
 * the receiver refuse a replayed request; the README shows how to verify.
 */
export function signatureHeader(secret: string, unixSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`, 'utf8').digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}
