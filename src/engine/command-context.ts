import type { CountryCode } from 'libphonenumber-js';
import type { CallSnapshot } from '../core/call.ts';
import type { CallEventType, CallRegistry, ExtraData } from './call-registry.ts';
import type { Leg, LiveCall } from './live-call.ts';
import type { ResolvedParty } from './parties.ts';

/**
 * What the engine's command modules (distribution, media, transfers) need from the engine: its building blocks,
 * and running work in a call's strict order.
 */
export interface CommandContext {
  readonly ops: CallRegistry;
  /** Country for numbers written without a country code. */
  readonly defaultCountry: CountryCode;
  /** How long a dialled party may ring, unless the call says otherwise. */
  readonly ringTimeoutMs: number;
  /** Runs a step in the call's queue and answers with the call's snapshot; refuses unknown or final calls. */
  command(callId: string, step: (call: LiveCall) => Promise<void>): Promise<CallSnapshot>;
  /** Runs work in the call's queue. */
  run<T>(callId: string, work: () => Promise<T>): Promise<T>;
  /** Publishes a new call's first event, discarding the call if that fails. */
  announce<T extends CallEventType>(call: LiveCall, type: T, extra?: ExtraData<T>): Promise<void>;
  /** Refuses a new call while the driver is down or the live-call limit is reached. */
  assertCanStartCall(pastTheLimit?: boolean): void;
  /** The call's connected remote party; INVALID_STATE when there is none. */
  remoteLeg(call: LiveCall): Leg;
  /** Who a name is: an agent id (the directory's) or an address; `field` names it in errors. */
  party(raw: string, field: string): ResolvedParty;
  /** Holds an available agent for a call about to ring them (AGENT_UNAVAILABLE otherwise). */
  claim(agentId: string, callId: string): void;
}
