import type { CountryCode } from 'libphonenumber-js';
import type { Address, CallSnapshot } from '../core/call.ts';
import type { CallEventType, CallRegistry, ExtraData } from './call-registry.ts';
import type { Leg, LiveCall } from './live-call.ts';

/** Who a `from` or a transfer's `to` names: what is dialled, how it is shown, and the agent if any. */
export interface Party {
  readonly address: Address;
  readonly shown: Address;
  readonly agentId?: string;
}

/**
 * What the engine's command modules (distribution, media, transfers) need from the engine: its building blocks,
 * and running work in a call's strict order.
 */
export interface CommandContext {
  readonly ops: CallRegistry;
  /** Country for numbers written without a country code. */
  readonly defaultCountry: CountryCode;
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
  /** How long a dialled party rings when the call asked for no ring timeout of its own. */
  readonly ringTimeoutMs: number;
  /** Who `raw` names: an agent id (the directory knows it) rings the agent's phone; else an address. */
  party(raw: string, field: string): Party;
  /** Holds an agent for a call about to ring them; AGENT_UNAVAILABLE unless they are available. */
  claim(agentId: string, callId: string): void;
}
