import type { Address, CallSnapshot, EndReason, LegRole } from '../core/call.ts';
import { finalStatusFor, isFinal } from '../core/call.ts';
import type { Clock } from '../core/clock.ts';
import type { DomainEventDataMap, NewDomainEvent } from '../core/events.ts';
import type { Log } from '../core/log.ts';
import type { HangupCause, TelephonyDriver } from '../telephony/driver.ts';
import type { EventPublisher } from './event-publisher.ts';
import type { Leg, LiveCall } from './live-call.ts';
import type { LiveRecording } from './live-recording.ts';

export type CallEventType = {
  [T in keyof DomainEventDataMap]: DomainEventDataMap[T] extends { call: unknown } ? T : never;
}[keyof DomainEventDataMap];

export type ExtraData<T extends CallEventType> = Omit<DomainEventDataMap[T], 'call'>;

/** What every engine step needs; small enough to pass around, so steps live in their own modules. */
export interface EngineDeps {
  readonly driver: TelephonyDriver;
  readonly clock: Clock;
  readonly publisher: EventPublisher;
  readonly log: Log;
  /** Runs `step` in the call's serial queue after `ms` (unless the call has ended by then). */
  readonly later: (call: LiveCall, ms: number, step: () => Promise<void>) => void;
}

/** How long the driver waits beyond the engine's own ring timeout, as a backstop only. */
const DRIVER_TIMEOUT_MARGIN_MS = 5_000;

/**
 * The event about a call: its snapshot in `data.call`, and the call's queue and agent (or the agent an
 * offer is for) named at the top, so consumers can filter without digging.
 */
export function callEvent<T extends CallEventType>(
  snapshot: CallSnapshot,
  type: T,
  extra?: ExtraData<T>,
): NewDomainEvent {
  const agentId = (extra as { agentId?: string } | undefined)?.agentId ?? snapshot.agentId;
  return {
    type,
    callId: snapshot.id,
    ...(agentId !== undefined && { agentId }),
    ...(snapshot.queueId !== undefined && { queueId: snapshot.queueId }),
    data: { call: snapshot, ...extra },
  } as NewDomainEvent;
}

/**
 * The registry of live calls and their channels (to route driver events), with the building blocks
 * of call handling that commands and driver events share: dialling legs, bridging, publishing and
 * finishing. Every method is called from inside the call's serial queue.
 */
export class CallRegistry {
  readonly calls = new Map<string, LiveCall>();
  /** channel id -> call, to route driver events. */
  readonly channels = new Map<string, LiveCall>();

  constructor(
    readonly deps: EngineDeps,
    private readonly onRingTimeout: (call: LiveCall, leg: Leg) => void,
  ) {}

  now(): number {
    return this.deps.clock.now();
  }

  register(call: LiveCall): void {
    this.calls.set(call.id, call);
  }

  /** Publishes the event with the call's snapshot; the record is made durable in the same commit. */
  async publish<T extends CallEventType>(call: LiveCall, type: T, extra?: ExtraData<T>): Promise<void> {
    const snapshot = call.snapshot(this.now());
    await this.deps.publisher.publish(callEvent(snapshot, type, extra), snapshot);
  }

  /**
   * Drops a call whose first event could not be published: nobody heard of it, so it ends without an
   * event, hangs up whatever channel it has and frees its live slot.
   */
  async discard(call: LiveCall): Promise<void> {
    for (const leg of call.legs) await this.hangupLeg(leg, 'normal');
    this.calls.delete(call.id);
    for (const leg of call.legs) this.channels.delete(leg.id);
  }

  /** Adds a leg and asks the driver to dial it, with the engine's ring timeout armed. */
  async dial(
    call: LiveCall,
    role: LegRole,
    address: Address,
    ringTimeoutMs: number,
    agentId?: string,
  ): Promise<Leg> {
    const leg = call.addLeg(role, address, this.now());
    leg.agentId = agentId;
    this.channels.set(leg.id, call);
    leg.timer = this.deps.clock.setTimer(ringTimeoutMs, () => this.onRingTimeout(call, leg));
    // Hints for providers that connect two parties in one request: who follows the caller, whom the callee joins.
    const joins = role === 'callee' ? call.legs.find((l) => l.role === 'caller' && l.live) : undefined;
    await this.deps.driver.originate({
      channelId: leg.id,
      endpoint: address,
      callerId: role === 'caller' ? call.to.value : call.from.value,
      timeoutMs: ringTimeoutMs + DRIVER_TIMEOUT_MARGIN_MS,
      ...(role === 'caller' && { next: call.to }),
      ...(joins && { joins: joins.id }),
    });
    return leg;
  }

  /** Registers a channel the driver announced (an inbound caller). */
  adopt(call: LiveCall, role: LegRole, channelId: string, address: Address): Leg {
    const leg = call.addLeg(role, address, this.now(), channelId);
    leg.status = 'ringing';
    this.channels.set(channelId, call);
    return leg;
  }

  /** Marks a leg answered and stops its ring timeout. */
  legAnswered(leg: Leg): void {
    leg.status = 'answered';
    leg.answeredAt = this.now();
    this.stopRinging(leg);
  }

  /** Joins answered legs in the call's main bridge as `normal` members, creating it on first use. */
  async bridge(call: LiveCall, ...legs: Leg[]): Promise<void> {
    let main = call.bridgeOf('main');
    if (!main) {
      main = call.addBridge('main', this.now());
      await this.deps.driver.createBridge(main.id);
    }
    // One membership for the legs joined together: it is never changed, only replaced.
    const membership = { bridgeId: main.id, role: 'normal' } as const;
    for (const leg of legs) {
      if (leg.bridge) continue;
      await this.deps.driver.addToBridge(main.id, leg.id, 'normal');
      leg.bridge = membership;
    }
  }

  /** Plays music on hold to a party (held call, or a caller waiting in a queue). */
  async holdLeg(leg: Leg): Promise<void> {
    if (leg.held) return;
    await this.deps.driver.hold(leg.id);
    leg.held = true;
  }

  async unholdLeg(leg: Leg): Promise<void> {
    if (!leg.held) return;
    await this.deps.driver.unhold(leg.id);
    leg.held = false;
  }

  /**
   * An agent's offer stopped ringing (it rang out, was refused, or was withdrawn). The leg is already
   * ended. When it was the last offer in flight and nobody took the call, the call waits again.
   */
  async endOffer(call: LiveCall, leg: Leg, reason: EndReason): Promise<void> {
    if (call.agentId === undefined && call.status === 'ringing' && call.openOffers().length === 0) {
      call.apply('enqueue');
    }
    await this.publish(call, 'call.offer.ended', { legId: leg.id, agentId: leg.agentId ?? '', reason });
  }

  /** Marks a leg ended; the driver is not asked (it told us, or is being told separately). */
  legEnded(leg: Leg, reason: EndReason): void {
    if (!leg.live) return;
    leg.status = 'ended';
    leg.endedAt = this.now();
    leg.endReason = reason;
    leg.bridge = undefined;
    this.stopRinging(leg);
  }

  /** Hangs up a live leg through the driver; a channel already gone is not an error. */
  async hangupLeg(leg: Leg, cause: HangupCause, reason: EndReason = cause): Promise<void> {
    if (!leg.live) return;
    this.legEnded(leg, reason);
    await this.driverHangup(leg, cause);
  }

  /** Asks the driver to hang a leg up; one already gone is fine, another refusal is logged. */
  private async driverHangup(leg: Leg, cause: HangupCause): Promise<void> {
    try {
      await this.deps.driver.hangup(leg.id, cause);
    } catch (error) {
      if ((error as { kind?: string }).kind !== 'not_found') {
        this.deps.log.warn({ err: error, channelId: leg.id }, 'hang-up of a leg failed');
      }
    }
  }

  /**
   * A transfer's target answered (`completed`) or never will (`failed`, with the target's cause, or
   * `canceled` when the call ends while it still rings).
   */
  settleTransfer(
    call: LiveCall,
    outcome: { completed: true } | { completed: false; reason?: EndReason },
  ): void {
    const transfer = call.openTransfer();
    if (!transfer) return;
    if (outcome.completed) {
      transfer.complete(this.now());
      return;
    }
    const target = transfer.targetLegId === undefined ? undefined : call.leg(transfer.targetLegId);
    transfer.fail(this.now(), outcome.reason ?? target?.endReason ?? 'canceled');
  }

  /**
   * Ends the call: an open transfer failed, every live leg hung up with `cause`, the bridges destroyed, the record made durable,
   * then `call.ended` or `call.failed` published and the call forgotten. Idempotent.
   */
  async finish(call: LiveCall, reason: EndReason, cause: HangupCause = 'normal'): Promise<void> {
    if (isFinal(call.status)) return;
    const recording = call.liveRecording();
    if (recording) await this.stopRecording(call, recording, 'call_ended');
    const final = finalStatusFor(reason, call.answeredAt !== undefined);
    call.apply(final === 'failed' ? 'fail' : 'end');
    call.endedAt = this.now();
    call.endReason = reason;
    call.heldAt = undefined;
    this.settleTransfer(call, { completed: false });
    const live = call.legs.filter((leg) => leg.live);
    for (const leg of live) this.legEnded(leg, reason);
    const up = call.bridges.filter((bridge) => bridge.up);
    for (const bridge of up) bridge.destroyedAt = this.now();
    // The record commits while the driver is told, one request at a time as before: what the driver
    // answers changes nothing in it (a refusal is only logged), so the end need not wait for both in turn.
    const told = (async () => {
      for (const leg of live) await this.driverHangup(leg, cause);
      for (const bridge of up) await this.deps.driver.destroyBridge(bridge.id).catch(() => undefined);
      this.calls.delete(call.id);
      for (const leg of call.legs) this.channels.delete(leg.id);
    })();
    const [published] = await Promise.allSettled([
      this.publish(call, final === 'failed' ? 'call.failed' : 'call.ended'),
      told,
    ]);
    if (published.status === 'rejected') throw published.reason;
  }

  /**
   * Stops a call recording: the driver stops it, its duration is fixed, and `call.recording.stopped`
   * says so. A recording the driver ended already is not an error; one the driver reports finished
   * (`driver_finished`) is only marked; as the call ends (`call_ended`) a refusal is logged, not
   * thrown, since tearing the call down ends the recording anyway.
   */
  async stopRecording(
    call: LiveCall,
    recording: LiveRecording,
    how: 'asked' | 'call_ended' | 'driver_finished' = 'asked',
  ): Promise<void> {
    if (!recording.live) return;
    if (how !== 'driver_finished') {
      try {
        await this.deps.driver.stopRecording(recording.id);
      } catch (error) {
        const gone = (error as { kind?: string }).kind === 'not_found';
        if (!gone && how === 'asked') throw error;
        if (!gone) this.deps.log.warn({ err: error, callId: call.id }, 'stopping a recording failed');
      }
    }
    recording.apply('stop', this.now());
    await this.publish(call, 'call.recording.stopped', {
      recordingId: recording.id,
      durationMs: recording.durationMs(this.now()),
    });
  }

  private stopRinging(leg: Leg): void {
    if (leg.timer) this.deps.clock.clearTimer(leg.timer);
    leg.timer = undefined;
  }
}
