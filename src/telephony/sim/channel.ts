import type { TimerHandle } from '../../core/clock.ts';
import type { BridgeRole, HangupCause } from '../driver.ts';
import { heardBy } from './hearing.ts';
import type { ResolvedProfile } from './profiles.ts';

export type SimChannelState = 'ringing' | 'answered' | 'ended';

/**
 * What tests and the simulator API see of a channel. A type alias rather than an interface, so that
 * it is assignable to `Record<string, unknown>` (JSON-shaped API payloads).
 */
export type SimChannelSnapshot = {
  id: string;
  direction: 'outbound' | 'inbound';
  /** The dialled endpoint or number for outbound channels, the caller for inbound ones. */
  address: string;
  /** The number an inbound caller dialled. */
  to?: string;
  /** What the engine presented as caller id when it originated this channel. */
  callerId?: string;
  state: SimChannelState;
  held: boolean;
  /** Muted: nobody hears the party (it still hears). */
  muted: boolean;
  /** Ids of the channels whose voice reaches this party now (see `hearing.ts`), in bridge order. */
  hears: string[];
  bridgeId?: string;
  bridgeRole?: BridgeRole;
  /** Digits the engine sent to this party. */
  dtmfReceived: string;
  cause?: HangupCause;
  createdAt: number;
};

/** A run of digits the party presses: the first after `delayMs`, then one every `interDigitMs`. */
export interface DtmfRun {
  readonly digits: string;
  pos: number;
  readonly delayMs: number;
  readonly interDigitMs: number;
  readonly durationMs: number;
}

/** Digits a party is pressing; runs queue behind each other so digits never interleave. */
export interface DtmfOut {
  readonly runs: DtmfRun[];
  timer: TimerHandle | undefined;
}

/** A bridge and the channels in it. */
export interface SimBridge {
  readonly id: string;
  /** Replaced, not grown in place, when a channel joins or leaves: see `members` in bridges.ts. */
  members: readonly SimChannel[];
  /** Ids of live recordings of this bridge; made on first use. */
  recordings: Set<string> | undefined;
}

/**
 * One simulated channel. A plain class whose fields are all set in the constructor, so every channel
 * shares one hidden class; what only some channels need (DTMF being pressed, media) is made on use.
 * The profile is a shared, frozen object: channels never copy it.
 */
export class SimChannel {
  state: SimChannelState = 'ringing';
  held = false;
  muted = false;
  /** Dialled to an endpoint (a phone) rather than a number: whom a whisper reaches in a bridge. */
  dialledEndpoint = false;
  bridge: SimBridge | undefined = undefined;
  bridgeRole: BridgeRole | undefined = undefined;
  dtmfReceived = '';
  cause: HangupCause | undefined = undefined;
  /** The party's next own move: answering or failing while ringing, hanging up once answered. */
  partyTimer: TimerHandle | undefined = undefined;
  /** While ringing: the originate timeout (outbound) or the caller giving up (inbound). */
  deadline: TimerHandle | undefined = undefined;
  dtmfOut: DtmfOut | undefined = undefined;
  playbacks: Set<string> | undefined = undefined;
  recordings: Set<string> | undefined = undefined;

  constructor(
    readonly id: string,
    readonly direction: 'outbound' | 'inbound',
    readonly address: string,
    readonly to: string | undefined,
    readonly callerId: string | undefined,
    readonly profile: ResolvedProfile,
    readonly createdAt: number,
  ) {}

  get live(): boolean {
    return this.state !== 'ended';
  }

  /** A copy of the channel's state, safe to hand out. */
  snapshot(): SimChannelSnapshot {
    const s: SimChannelSnapshot = {
      id: this.id,
      direction: this.direction,
      address: this.address,
      state: this.state,
      held: this.held,
      muted: this.muted,
      hears: heardBy(this),
      dtmfReceived: this.dtmfReceived,
      createdAt: this.createdAt,
    };
    if (this.to !== undefined) s.to = this.to;
    if (this.callerId !== undefined) s.callerId = this.callerId;
    if (this.bridge) s.bridgeId = this.bridge.id;
    if (this.bridgeRole) s.bridgeRole = this.bridgeRole;
    if (this.cause) s.cause = this.cause;
    return s;
  }
}
