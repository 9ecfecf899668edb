import type { Agent } from './agent.ts';
import type { CallSnapshot, EndReason, LegRole } from './call.ts';
import type { CallPriority } from './queue.ts';

/**
 * The domain event catalogue. Every change Switchboard makes is one of these; `type` is the
 * discriminant, lower-case and dotted, and also the Socket.io event name.
 */
export interface CallEventData {
  readonly call: CallSnapshot;
}

export interface QueueCallData {
  readonly queueId: string;
  readonly callId: string;
  /** 1 = next to be offered. */
  readonly position: number;
  readonly estimatedWaitMs: number;
}

/** Live and interval figures of one queue. */
export interface QueueStats {
  readonly queueId: string;
  readonly at: string;
  readonly waiting: number;
  readonly longestWaitMs: number;
  readonly agentsLoggedIn: number;
  readonly agentsAvailable: number;
  /** Since `intervalStart` (the current interval, `intervalMs` long). */
  readonly intervalStart: string;
  readonly entered: number;
  readonly answered: number;
  readonly abandoned: number;
  readonly overflowed: number;
  /** Share of answered + abandoned calls answered within the queue's threshold, 0..1; null before any. */
  readonly serviceLevel: number | null;
  readonly averageWaitMs: number | null;
  readonly averageTalkMs: number | null;
}

/**
 * A driver as the business application names it: a string or a number, kept exactly as sent (mobile
 * apps send `42`, others `"D-17"`), so that it comes back in the type the application compares with.
 */
export type DriverId = string | number;

/** An emergency as clients see it. */
export interface EmergencySnapshot {
  readonly id: string;
  readonly callId: string;
  readonly driverId: DriverId;
  readonly driverPhone: string;
  readonly driverName?: string;
  readonly vehiclePlate?: string;
  readonly location?: { readonly lat: number; readonly lng: number };
  readonly raisedAt: string;
  readonly reportedAt?: string;
  readonly status: 'raised' | 'offered' | 'escalated' | 'answered' | 'ended';
  readonly dispatcherId?: string;
  readonly answeredAt?: string;
  readonly endedAt?: string;
}

/** How an IVR session ended: the flow hung up, the caller did, or the call went on elsewhere. */
export const IVR_OUTCOMES = [
  'hangup',
  'caller_hangup',
  'enqueued',
  'transferred',
  'failed',
  'error',
] as const;
export type IvrOutcome = (typeof IVR_OUTCOMES)[number];

/** The flow version an IVR event comes from. */
export interface IvrRef {
  readonly flowId: string;
  readonly version: number;
}

/** What each event type carries in `data`. */
export interface DomainEventDataMap {
  'call.ringing': CallEventData;
  'call.answered': CallEventData;
  'call.held': CallEventData;
  'call.unheld': CallEventData;
  'call.transferring': CallEventData & { readonly transferTo: string };
  'call.transferred': CallEventData & { readonly transferTo: string };
  'call.dtmf': CallEventData & {
    readonly digit: string;
    readonly legId: string;
    readonly direction: 'in' | 'out';
  };
  'call.leg.ended': CallEventData & { readonly legId: string; readonly endReason: EndReason };
  /** A dialled party's phone rings (SIP 180): `call.ringing` is the call being placed, this its alerting. */
  'call.leg.ringing': CallEventData & { readonly legId: string; readonly role: LegRole };
  'call.queued': CallEventData & { readonly queueId: string };
  'call.offered': CallEventData & { readonly legId: string; readonly agentId: string };
  'call.offer.accepted': CallEventData & { readonly legId: string; readonly agentId: string };
  'call.offer.ended': CallEventData & {
    readonly legId: string;
    readonly agentId: string;
    readonly reason: EndReason;
  };
  'call.playback.finished': CallEventData & { readonly playbackId: string };
  'call.recording.finished': CallEventData & {
    readonly recordingId: string;
    readonly durationMs: number;
  };
  'call.ended': CallEventData;
  'call.failed': CallEventData;
  'agent.state': { readonly agent: Agent; readonly previous: Agent['status']['state'] };
  'queue.entered': QueueCallData & { readonly priority: CallPriority };
  'queue.position': QueueCallData;
  'queue.left': {
    readonly queueId: string;
    readonly callId: string;
    readonly reason: 'answered' | 'abandoned' | 'overflow' | 'closed' | 'no_agents' | 'ended' | 'moved';
    readonly waitedMs: number;
  };
  'queue.stats': { readonly stats: QueueStats };
  'emergency.raised': { readonly emergency: EmergencySnapshot };
  'emergency.escalated': { readonly emergency: EmergencySnapshot };
  'emergency.updated': { readonly emergency: EmergencySnapshot };
  'ivr.started': IvrRef & { readonly from: string; readonly to: string; readonly language: string };
  'ivr.node': IvrRef & { readonly node: string; readonly kind: string };
  /** What the caller hears, so integrations and tests can follow along. */
  'ivr.prompt': IvrRef & {
    readonly node: string;
    readonly text: string;
    readonly media: string;
    readonly language: string;
  };
  'ivr.input': IvrRef & {
    readonly node: string;
    readonly result: 'digits' | 'no_input' | 'no_match' | 'failed';
    readonly digits?: string;
    readonly attempt: number;
  };
  'ivr.ended': IvrRef & { readonly node: string; readonly outcome: IvrOutcome; readonly durationMs: number };
  'driver.connected': { readonly driver: string };
  'driver.disconnected': { readonly driver: string; readonly reason: string };
}

export type DomainEventType = keyof DomainEventDataMap;

export const DOMAIN_EVENT_TYPES = [
  'call.ringing',
  'call.answered',
  'call.held',
  'call.unheld',
  'call.transferring',
  'call.transferred',
  'call.dtmf',
  'call.leg.ended',
  'call.leg.ringing',
  'call.queued',
  'call.offered',
  'call.offer.accepted',
  'call.offer.ended',
  'call.playback.finished',
  'call.recording.finished',
  'call.ended',
  'call.failed',
  'agent.state',
  'queue.entered',
  'queue.position',
  'queue.left',
  'queue.stats',
  'emergency.raised',
  'emergency.escalated',
  'emergency.updated',
  'ivr.started',
  'ivr.node',
  'ivr.prompt',
  'ivr.input',
  'ivr.ended',
  'driver.connected',
  'driver.disconnected',
] as const satisfies readonly DomainEventType[];

/** One event as published, logged and replayed. `seq` is monotonic per server. */
export type DomainEvent = {
  [T in DomainEventType]: {
    readonly id: string;
    readonly seq: number;
    readonly type: T;
    readonly timestamp: string;
    readonly callId?: string;
    readonly agentId?: string;
    readonly queueId?: string;
    readonly data: DomainEventDataMap[T];
  };
}[DomainEventType];

/** An event before the publisher gives it an id, a seq and a timestamp. */
export type NewDomainEvent = {
  [T in DomainEventType]: {
    readonly type: T;
    readonly callId?: string;
    readonly agentId?: string;
    readonly queueId?: string;
    readonly data: DomainEventDataMap[T];
  };
}[DomainEventType];

export type DomainEventOf<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;
