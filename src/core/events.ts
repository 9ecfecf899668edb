import type {
  CallSnapshot,
  EndReason,
  LegRole,
  MonitorMode,
  MonitorSnapshot,
  ParticipantSnapshot,
  TransferKind,
} from './call.ts';
import type { RecordingReason } from './recording.ts';

/**
 * The domain event catalogue. Every change Switchboard makes is one of these; `type` is the
 * discriminant, lower-case and dotted, and also the Socket.io event name. The core owns the envelope,
 * the call events and the driver events; each app declares its own types and payloads in its
 * `events.ts`, adding them to `DomainEventDataMap` by module augmentation, so the core names no app
 * and `DomainEvent` is still one closed union wherever it is read.
 */
export interface CallEventData {
  readonly call: CallSnapshot;
}

/**
 * An offer that is a transfer to the agent: which transfer, who transfers and who is being
 * transferred, so a console can say "incoming transfer from dispatcher-001: +13125550142" (the call's
 * `context` says the rest).
 */
export interface TransferOffer {
  readonly transferId: string;
  readonly kind: TransferKind;
  /** Who transfers: their agent id, or their phone's address. */
  readonly from?: string;
  /** The party being transferred: the remote party's number or endpoint. */
  readonly caller: string;
}

/** An attended transfer's step: which transfer, and where it sends the call. */
interface TransferStep extends CallEventData {
  readonly transferId: string;
  readonly transferTo: string;
}

export interface ParticipantEventData extends CallEventData {
  readonly participant: ParticipantSnapshot;
}

export interface MonitorEventData extends CallEventData {
  readonly monitor: MonitorSnapshot;
}

/** What each call and driver event carries in `data`. */
export interface CoreEventDataMap {
  'call.ringing': CallEventData;
  'call.answered': CallEventData;
  'call.held': CallEventData;
  'call.unheld': CallEventData;
  'call.transferring': CallEventData & { readonly transferTo: string };
  'call.transferred': CallEventData & { readonly transferTo: string };
  /** Attended: the target answered; the transferring party talks with them while the remote party waits. */
  'call.transfer.answered': TransferStep;
  /** Attended: the target refused, rang out or hung up; the transferring party is back with the remote party. */
  'call.transfer.failed': TransferStep & { readonly reason: EndReason };
  /** Attended: the transferring party took the call back; the target, if rung, is hung up. */
  'call.transfer.canceled': TransferStep;
  'call.dtmf': CallEventData & {
    readonly digit: string;
    readonly legId: string;
    readonly direction: 'in' | 'out';
  };
  'call.leg.ended': CallEventData & { readonly legId: string; readonly endReason: EndReason };
  /** A dialled party's phone rings (SIP 180): `call.ringing` is the call being placed, this its alerting. */
  'call.leg.ringing': CallEventData & { readonly legId: string; readonly role: LegRole };
  'call.queued': CallEventData & { readonly queueId: string };
  'call.offered': CallEventData & {
    readonly legId: string;
    readonly agentId: string;
    /** Present when the offer is an attended transfer to the agent. */
    readonly transfer?: TransferOffer;
  };
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
  /** A call recording (the whole conversation) started; `call.recordings` lists it. */
  'call.recording.started': CallEventData & {
    readonly recordingId: string;
    readonly reason: RecordingReason;
  };
  'call.recording.paused': CallEventData & { readonly recordingId: string };
  'call.recording.resumed': CallEventData & { readonly recordingId: string };
  /** It stopped (on demand, or as the call ended); `durationMs` leaves paused time out. */
  'call.recording.stopped': CallEventData & { readonly recordingId: string; readonly durationMs: number };
  'call.ended': CallEventData;
  'call.failed': CallEventData;
  /** A party added to a conference answered and is connected (`participant.joinedAt`). */
  'call.participant.joined': ParticipantEventData;
  /** A party left the conference, or never answered; `reason` says why. */
  'call.participant.left': ParticipantEventData & { readonly reason: EndReason };
  'call.participant.muted': ParticipantEventData;
  'call.participant.unmuted': ParticipantEventData;
  /** A supervisor is connected to the call in `monitor.mode`. */
  'call.monitor.started': MonitorEventData;
  /** A supervisor changed mode (listen, whisper, barge); `previousMode` is the one before. */
  'call.monitor.changed': MonitorEventData & { readonly previousMode: MonitorMode };
  /** Monitoring ended (ended on request, the supervisor hung up, never answered, or the call ended). */
  'call.monitor.ended': MonitorEventData & { readonly reason: EndReason };
  'driver.connected': { readonly driver: string };
  'driver.disconnected': { readonly driver: string; readonly reason: string };
  /** A watched phone registered (`true`) or left (`false`); `endpoint` as the driver names it. */
  'endpoint.state': { readonly endpoint: string; readonly registered: boolean };
}

export type CoreEventType = keyof CoreEventDataMap;

/** What each event type carries in `data`: the core's, and those the apps add (see above). */
export interface DomainEventDataMap extends CoreEventDataMap {}

export type DomainEventType = keyof DomainEventDataMap;

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
