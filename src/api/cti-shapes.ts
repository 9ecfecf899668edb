import { z } from 'zod';
import { addressInput, contextInput, idInput, isoTime } from '../apps/http-kit/schemas.ts';
import { type CallSnapshot, type CallStatus, type EndReason, isFinal } from '../core/call.ts';
import type {
  CallEventData,
  DomainEvent,
  DomainEventDataMap,
  DomainEventOf,
  DomainEventType,
} from '../core/events.ts';
import { CallStatusSchema, EndReasonSchema } from './schemas/call.ts';

/**
 * The mock-CTI contract that existing integrations call: bare JSON, field names and order exactly as
 * that contract has them. Schemas list keys in contract order because answers are written in it.
 */

export const CtiCallBody = z.strictObject({
  from: addressInput('Caller: the agent phone or endpoint that rings first.'),
  to: addressInput('Number or endpoint to dial.'),
  context: contextInput.optional(),
});

export const CtiHangupBody = z.strictObject({ callId: idInput('The call to end.') });

export const CtiTransferBody = z.strictObject({
  callId: idInput('The call to transfer.'),
  to: addressInput('Where to send the remote party.'),
});

export const CtiStatusQuery = z.strictObject({ callId: idInput('The call to look up.') });

export const CtiCallResponse = z.object({
  callId: z.string(),
  status: CallStatusSchema.describe('`ringing` for a call just placed.'),
  from: z.string(),
  to: z.string(),
  startedAt: isoTime('When the call was placed.'),
  context: z.record(z.string(), z.unknown()),
});

export const CtiHangupResponse = z.object({
  callId: z.string(),
  status: CallStatusSchema.describe('`ended`.'),
  duration: z.number().int().nonnegative().describe('Whole seconds of talk; 0 if never answered.'),
  endedAt: isoTime('When the call ended.'),
  endReason: EndReasonSchema,
});

export const CtiTransferResponse = z.object({
  callId: z.string(),
  status: CallStatusSchema.describe('`transferring`.'),
  transferTo: z.string(),
  transferInitiatedAt: isoTime('When the transfer started.'),
});

export const CtiStatusResponse = z.object({
  callId: z.string(),
  status: CallStatusSchema,
  from: z.string(),
  to: z.string(),
  startedAt: isoTime('When the call was placed.'),
  context: z.record(z.string(), z.unknown()),
  answeredAt: isoTime('Once answered.').optional(),
  duration: z.number().int().nonnegative().optional().describe('Whole seconds of talk; once answered.'),
  endedAt: isoTime('Once ended.').optional(),
  endReason: EndReasonSchema.optional(),
});

/** The answer to `POST /api/cti/call`. */
export function toCtiCall(call: CallSnapshot): z.output<typeof CtiCallResponse> {
  return {
    callId: call.id,
    status: call.status,
    from: call.from,
    to: call.to,
    startedAt: call.startedAt,
    context: call.context,
  };
}

/** The answer to `POST /api/cti/hangup`. */
export function toCtiHangup(call: CallSnapshot): z.output<typeof CtiHangupResponse> {
  return {
    callId: call.id,
    status: call.status,
    duration: call.duration ?? 0,
    endedAt: present(call.endedAt, 'endedAt', call),
    endReason: present(call.endReason, 'endReason', call),
  };
}

/** The answer to `POST /api/cti/transfer`; `requestedTo` stands in until the snapshot names the target. */
export function toCtiTransfer(call: CallSnapshot, requestedTo: string): z.output<typeof CtiTransferResponse> {
  return {
    callId: call.id,
    status: call.status,
    transferTo: call.transferTo ?? requestedTo,
    transferInitiatedAt: present(call.transferInitiatedAt, 'transferInitiatedAt', call),
  };
}

/** The answer to `GET /api/cti/status`; optional fields appear once they happened. */
export function toCtiStatus(call: CallSnapshot): z.output<typeof CtiStatusResponse> {
  return {
    callId: call.id,
    status: call.status,
    from: call.from,
    to: call.to,
    startedAt: call.startedAt,
    context: call.context,
    ...(call.answeredAt === undefined ? {} : { answeredAt: call.answeredAt }),
    ...(call.duration === undefined ? {} : { duration: call.duration }),
    ...(call.endedAt === undefined ? {} : { endedAt: call.endedAt }),
    ...(call.endReason === undefined ? {} : { endReason: call.endReason }),
  };
}

/**
 * What mock-CTI integrations read at the top level of a call event on Socket.io
 * (`socket.on('call.ended', d => d.duration)`): the same names, types and values as the REST answers.
 */
export interface CtiCallEventFields {
  readonly callId: string;
  readonly status: CallStatus;
  readonly from: string;
  readonly to: string;
  /** Once answered. */
  readonly answeredAt?: string;
  /** Final calls: whole seconds of talk, 0 if never answered (as `POST /api/cti/hangup` answers). */
  readonly duration?: number;
  /** Final calls. */
  readonly endedAt?: string;
  /** Final calls. */
  readonly endReason?: EndReason;
  /** Final calls: the contract's name for `endReason` (`call.failed` → `reason: "no_answer"`). */
  readonly reason?: EndReason;
}

/** A domain event as Socket.io sends it: a call event also carries {@link CtiCallEventFields}. */
export type SocketEvent<T extends DomainEventType> = DomainEventOf<T> &
  (DomainEventDataMap[T] extends CallEventData ? CtiCallEventFields : unknown);

/** The flat mock-CTI fields of a call snapshot. */
export function toCtiEventFields(call: CallSnapshot): CtiCallEventFields {
  const final = isFinal(call.status);
  return {
    callId: call.id,
    status: call.status,
    from: call.from,
    to: call.to,
    ...(call.answeredAt === undefined ? {} : { answeredAt: call.answeredAt }),
    ...(final && { duration: call.duration ?? 0 }),
    ...(final && call.endedAt !== undefined && { endedAt: call.endedAt }),
    ...(final && call.endReason !== undefined && { endReason: call.endReason, reason: call.endReason }),
  };
}

/**
 * The Socket.io payload of a domain event: the envelope as logged, plus the flat fields on a call
 * event. Only Socket.io adds them; the REST event log keeps the one envelope (`data.call` holds it all).
 */
export function toSocketEvent(event: DomainEvent): SocketEvent<DomainEventType> {
  const call = (event.data as Partial<CallEventData>).call;
  return call === undefined ? event : { ...event, ...toCtiEventFields(call) };
}

/**
 * The engine resolves hangup with an ended call and transfer with a transferring one, so these fields
 * are set; a snapshot without them is an engine bug, reported as such (a logged 500) rather than hidden.
 */
function present<T>(value: T | undefined, field: string, call: CallSnapshot): T {
  if (value === undefined)
    throw new Error(`engine answered call ${call.id} (${call.status}) without ${field}`);
  return value;
}
