import type { Address, HangupCause } from '../../core/call.ts';
import type { Log } from '../../core/log.ts';
import type { BridgeRole, DriverEvent } from '../driver.ts';
import type { Plan } from './twiml.ts';

/** How far a Twilio call has got; status callbacks that would move it back are stale and ignored. */
export const PROGRESS = { dialling: 0, ringing: 1, answered: 2, ended: 3 } as const;
export type Progress = keyof typeof PROGRESS;

/** One Switchboard channel: one Twilio call (a CallSid) and what it should run. */
export interface TwilioChannel {
  readonly id: string;
  readonly direction: 'outbound' | 'inbound';
  /** Whom it was dialled to (an outbound channel), to tell a bridge's agent (a phone, not a number). */
  readonly endpoint?: Address;
  sid?: string;
  progress: Progress;
  plan: Plan;
  /** A bridge and role kept while a detour (hold, a prompt) takes the call out of the conference. */
  bridge?: { readonly bridgeId: string; readonly role: BridgeRole };
  held: boolean;
}

/** Twilio's final `CallStatus` values as hang-up causes. */
export function causeOfStatus(status: string, sipCode: string | undefined): HangupCause | undefined {
  switch (status) {
    case 'completed':
      return 'normal';
    case 'busy':
      return 'busy';
    case 'no-answer':
      return 'no_answer';
    case 'canceled':
      return 'canceled';
    case 'failed':
      // Twilio fails a call "as dialled" for numbers that do not exist; the SIP code tells them apart.
      return sipCode === '404' || sipCode === '484' || sipCode === '604' ? 'invalid_number' : 'unreachable';
    default:
      return undefined;
  }
}

/** Where a `CallStatus` puts a call. */
export function progressOfStatus(status: string): Progress | undefined {
  if (status === 'ringing') return 'ringing';
  if (status === 'in-progress' || status === 'answered') return 'answered';
  if (causeOfStatus(status, undefined) !== undefined) return 'ended';
  return undefined;
}

/** The `To` Twilio dials for an address: numbers as they are, SIP URIs as they are, other endpoints as Client identities. */
export function twilioTo(address: Address): string {
  if (address.kind === 'number') return address.value;
  if (/^sip:/i.test(address.value)) return address.value;
  const slash = address.value.indexOf('/');
  return `client:${slash === -1 ? address.value : address.value.slice(slash + 1)}`;
}

/** What the callbacks read and change of the driver (see twilio-callbacks.ts). */
export interface TwilioCallbackTarget {
  readonly publicBaseUrl: string;
  readonly authToken: string;
  readonly log: Log;
  readonly channels: Map<string, TwilioChannel>;
  readonly bySid: Map<string, string>;
  readonly bridges: Map<string, Map<string, BridgeRole>>;
  readonly playbacks: Map<string, string>;
  readonly conferences: Map<string, string>;
  emit(event: DriverEvent): void;
  knowSid(channel: TwilioChannel, sid: string): void;
  end(channel: TwilioChannel, cause: HangupCause): void;
  planOf(channel: TwilioChannel): string;
  recordingCompleted(recordingId: string, sid: string | undefined, url: string | undefined): void;
}
