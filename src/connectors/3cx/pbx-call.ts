import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';
import { type CallSnapshot, type EndReason, finalStatusFor, type LegSnapshot } from '../../core/call.ts';

/** The call log's name for calls that came from 3CX. */
export const THREECX_SOURCE = '3cx';

/**
 * One 3CX call as the connector understands it, whoever told of it (the CDR database, an Active
 * Socket line, the integration API). `pbxCallId` is 3CX's call history id: the key that makes every
 * report of one call the same record.
 */
export interface PbxCall {
  readonly pbxCallId: string;
  readonly direction: 'INBOUND' | 'OUTBOUND';
  /** The party outside the PBX, in E.164 when it reads as a phone number, else as 3CX gave it. */
  readonly phoneNumber: string;
  /** The extension that answered (inbound) or placed (outbound) the call; absent when none did. */
  readonly ownerExtension?: string;
  readonly startedAt: string;
  /** When the owner answered (inbound) or the far end did (outbound). */
  readonly answeredAt?: string;
  readonly endedAt: string;
  readonly endReason: EndReason;
  /** The queue or ring group the call went through, with its name. */
  readonly groupId?: string;
  readonly groupName?: string;
  /** Every extension the call rang. */
  readonly rungExtensions: readonly string[];
  /** Read while it still goes on: a segment names a successor not written yet. */
  readonly open?: boolean;
}

/** A PBX call as the integration API answers it. */
export interface PbxCallView {
  readonly pbxCallId: string;
  /** Its record in the call log (GET /api/v1/calls/{callId}). */
  readonly callId: string;
  readonly phoneNumber: string;
  /** Seconds from the owner's answer to the end; 0 when nobody answered. */
  readonly callDuration: number;
  readonly callOwnerExtension: string | null;
  /** The owner's e-mail from the configured extensions; null for an unmapped extension. */
  readonly callOwnerEmail: string | null;
  readonly callDirection: 'INBOUND' | 'OUTBOUND';
  /** When the owner answered, or when the call started if nobody did. */
  readonly timestamp: string;
  readonly isPbxOriginated: true;
  readonly pbxDataReceivedAt: string;
}

/** The call log's id of a 3CX call. */
export const recordId = (pbxCallId: string): string => `3cx-${pbxCallId}`;

/** A phone number in E.164 when it reads as one (national numbers in `country`), else trimmed as given. */
export function toE164(raw: string, country: CountryCode): string {
  const text = raw.trim();
  const parsed = parsePhoneNumberFromString(text, country);
  return parsed?.isValid() ? parsed.number : text;
}

/** Whole seconds of talk: from the answer to the end, 0 unanswered. */
export function talkSeconds(call: PbxCall): number {
  if (call.answeredAt === undefined) return 0;
  return Math.max(0, Math.floor((Date.parse(call.endedAt) - Date.parse(call.answeredAt)) / 1000));
}

const endpoint = (extension: string) => `3CX/${extension}`;

/** The call as a record of the call log. */
export function toSnapshot(call: PbxCall, ownerEmail: string | null): CallSnapshot {
  const id = recordId(call.pbxCallId);
  const inbound = call.direction === 'INBOUND';
  const owner = call.ownerExtension;
  const answered = call.answeredAt !== undefined;
  const ended = (
    leg: Omit<LegSnapshot, 'status' | 'endedAt' | 'startedAt'>,
    answeredAt?: string,
  ): LegSnapshot => ({
    ...leg,
    status: 'ended',
    startedAt: call.startedAt,
    ...(answeredAt !== undefined && { answeredAt }),
    endedAt: call.endedAt,
  });
  const outside = ended(
    {
      id: `${id}-ext`,
      role: inbound ? 'caller' : 'callee',
      address: call.phoneNumber,
      endReason: call.endReason,
    },
    call.answeredAt,
  );
  const extensions = [...new Set([...(owner ? [owner] : []), ...call.rungExtensions])].map((ext) =>
    ended(
      {
        id: `${id}-${ext}`,
        role: 'agent',
        address: endpoint(ext),
        endReason: ext === owner && answered ? call.endReason : 'no_answer',
      },
      ext === owner ? call.answeredAt : undefined,
    ),
  );
  const inside = owner ? endpoint(owner) : call.groupId ? endpoint(call.groupId) : '3CX';
  const duration = talkSeconds(call);
  return {
    id,
    direction: inbound ? 'inbound' : 'outbound',
    status: finalStatusFor(call.endReason, answered),
    from: inbound ? call.phoneNumber : inside,
    to: inbound ? inside : call.phoneNumber,
    context: {
      callOwnerExtension: owner ?? null,
      callOwnerEmail: ownerEmail,
      ...(call.groupId !== undefined && { callGroupId: call.groupId }),
      ...(call.groupName !== undefined && { callGroupName: call.groupName }),
    },
    legs: inbound ? [outside, ...extensions] : [...extensions, outside],
    startedAt: call.startedAt,
    ...(call.answeredAt !== undefined && { answeredAt: call.answeredAt, duration }),
    endedAt: call.endedAt,
    endReason: call.endReason,
    ...(call.groupId !== undefined && { queueId: call.groupId }),
    source: THREECX_SOURCE,
    externalId: call.pbxCallId,
  };
}

/** The call as the integration API answers it. */
export function toView(call: PbxCall, ownerEmail: string | null, receivedAt: string): PbxCallView {
  return {
    pbxCallId: call.pbxCallId,
    callId: recordId(call.pbxCallId),
    phoneNumber: call.phoneNumber,
    callDuration: talkSeconds(call),
    callOwnerExtension: call.ownerExtension ?? null,
    callOwnerEmail: ownerEmail,
    callDirection: call.direction,
    timestamp: call.answeredAt ?? call.startedAt,
    isPbxOriginated: true,
    pbxDataReceivedAt: receivedAt,
  };
}
