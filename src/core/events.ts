import type { CallSnapshot, EndReason } from './call.ts';

/**
 * The domain event catalogue. Every change Switchboard makes is one of these; `type` is the
 * discriminant, lower-case and dotted, and also the Socket.io event name.
 */
export interface CallEventData {
  readonly call: CallSnapshot;
}

/** What each event type carries in `data`. */
export interface DomainEventDataMap {
  'call.created': CallEventData;
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
  'call.ended': CallEventData;
  'call.failed': CallEventData;
  'driver.connected': { readonly driver: string };
  'driver.disconnected': { readonly driver: string; readonly reason: string };
}

export type DomainEventType = keyof DomainEventDataMap;

export const DOMAIN_EVENT_TYPES = [
  'call.created',
  'call.ringing',
  'call.answered',
  'call.held',
  'call.unheld',
  'call.transferring',
  'call.transferred',
  'call.dtmf',
  'call.leg.ended',
  'call.ended',
  'call.failed',
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
