/**
 * The one error catalogue. Every error Switchboard answers with has a stable machine `code` written
 * here once, the HTTP status it maps to, and a message that tells the caller what to do. Codes are
 * never reused or renamed: integrations branch on them.
 */
export const ERROR_CATALOGUE = {
  VALIDATION_ERROR: { status: 400, message: 'The request is malformed; see details for each field.' },
  INVALID_PHONE_NUMBER: {
    status: 400,
    message: 'Not a valid phone number or endpoint; use E.164 (+15551234567) or TECH/resource.',
  },
  UNAUTHORIZED: { status: 401, message: 'Authentication is required; send a valid API key.' },
  FORBIDDEN: { status: 403, message: 'This credential may not do that.' },
  ORIGIN_NOT_ALLOWED: {
    status: 403,
    message: 'Requests from this web origin are refused; add it to CORS_ORIGINS to allow it.',
  },
  HOST_NOT_ALLOWED: {
    status: 421,
    message: 'This server does not answer to that Host name; add it to ALLOWED_HOSTS to allow it.',
  },
  NOT_FOUND: { status: 404, message: 'No such route.' },
  CALL_NOT_FOUND: { status: 404, message: 'No call has that id.' },
  CHANNEL_NOT_FOUND: {
    status: 404,
    message: 'No channel has that id; the simulator lists its channels at GET /api/v1/sim/channels.',
  },
  AGENT_NOT_FOUND: { status: 404, message: 'No agent has that id.' },
  QUEUE_NOT_FOUND: { status: 404, message: 'No queue has that id.' },
  ROUTE_NOT_FOUND: { status: 404, message: 'No inbound route has that id; GET /api/v1/routes lists them.' },
  EMERGENCY_NOT_FOUND: { status: 404, message: 'No emergency has that id.' },
  PBX_CALL_NOT_FOUND: {
    status: 404,
    message: 'No PBX call has that id; GET /api/v1/integrations/3cx/calls/pending-pbx lists those pending.',
  },
  ALERT_NOT_FOUND: {
    status: 404,
    message: 'No call-group alert has that id; GET /api/v1/integrations/3cx/alerts/call-groups lists them.',
  },
  CONNECTOR_UNAVAILABLE: {
    status: 503,
    message:
      'The 3CX CDR database cannot be reached now; the import retries by itself, or try again shortly.',
  },
  FLOW_NOT_FOUND: { status: 404, message: 'No IVR flow has that id (or version).' },
  SESSION_NOT_FOUND: { status: 404, message: 'That call is in no IVR now.' },
  PARTICIPANT_NOT_FOUND: {
    status: 404,
    message: "No party of that call has that id; the call's participants list them.",
  },
  RECORDING_NOT_FOUND: {
    status: 404,
    message: 'No recording has that id; GET /api/v1/recordings?callId= lists those of a call.',
  },
  RECORDING_DELETED: {
    status: 410,
    message: 'The retention policy deleted that recording; details.deletedAt says when.',
  },
  RECORDING_NOT_READY: {
    status: 409,
    message: 'That recording has no file yet: stop it first, or retry shortly once it is stored.',
  },
  WEBHOOK_NOT_FOUND: {
    status: 404,
    message: 'No webhook subscription has that id; GET /api/v1/webhooks lists them.',
  },
  DELIVERY_NOT_FOUND: {
    status: 404,
    message: 'No delivery of that webhook has that id; GET /api/v1/webhooks/{id}/deliveries lists them.',
  },
  WEBHOOK_TARGET_REFUSED: {
    status: 422,
    message:
      'The outbound-host policy refuses that URL (private, loopback or link-local); list the host in OUTBOUND_HTTP_ALLOW to allow it.',
  },
  API_KEY_NOT_FOUND: { status: 404, message: 'No API key has that id; GET /api/v1/keys lists them.' },
  SCHEDULE_IN_PAST: {
    status: 400,
    message: 'That time has passed; schedule the call for a time still to come (mind the time zone).',
  },
  CAMPAIGN_NOT_FOUND: { status: 404, message: 'No campaign has that id; GET /api/v1/campaigns lists them.' },
  CONTACT_NOT_FOUND: {
    status: 404,
    message: 'That campaign has no contact with that id; GET /api/v1/campaigns/{id}/contacts lists them.',
  },
  INVALID_STATE: { status: 409, message: 'The call cannot do that in its current status.' },
  AGENT_UNAVAILABLE: {
    status: 409,
    message: 'That agent cannot take a call now (offline, away or busy); pick an available agent.',
  },
  DUPLICATE: { status: 409, message: 'That resource exists already.' },
  CONFERENCE_FULL: {
    status: 409,
    message: 'The conference has its maximum of parties; remove one before adding another.',
  },
  IDEMPOTENCY_KEY_IN_USE: {
    status: 409,
    message: 'A request with that Idempotency-Key is still running; retry shortly to get its answer.',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    message:
      'That Idempotency-Key was used for another request (method, path or body); use a new key for a new request.',
  },
  CONCURRENT_LIMIT_REACHED: { status: 429, message: 'Too many live calls; end some before starting more.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests; slow down and retry.' },
  BODY_TOO_LARGE: { status: 413, message: 'The request body is too large; send a smaller one.' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'Send the body as JSON with the header Content-Type: application/json.',
  },
  NOT_SUPPORTED: { status: 422, message: 'The telephony driver cannot do that.' },
  SIMULATOR_ONLY: {
    status: 409,
    message: 'That only works with the simulator driver and its virtual clock.',
  },
  REPLAY_OVERFLOW: {
    status: 503,
    message:
      'Live events piled up while the replay was read; reconnect and resume from the last seq received.',
  },
  SLOW_CONSUMER: {
    status: 503,
    message:
      'More live events waited unread than allowed; reconnect with auth.lastSeq from details to resume.',
  },
  API_UNAVAILABLE: { status: 503, message: 'The server is starting or stopping; retry shortly.' },
  DRIVER_UNAVAILABLE: { status: 503, message: 'The telephony driver is not connected; retry shortly.' },
  PROVIDER_UNAVAILABLE: {
    status: 503,
    message: 'The voice provider failed or did not answer in time; retry shortly.',
  },
  PROVIDER_RATE_LIMITED: {
    status: 429,
    message: 'The voice provider refuses more requests for now; retry after the time in details.',
  },
  PROVIDER_AUTH_FAILED: {
    status: 502,
    message: "The voice provider refused Switchboard's credentials; check the account SID and token.",
  },
  INTERNAL_ERROR: {
    status: 500,
    message: 'Something failed inside Switchboard; this is a bug, please report it.',
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The error shape shared by every part and every HTTP answer. */
export interface ErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: unknown;
}

/** An expected, catalogued failure: the API turns it into a 4xx (or 503) with the shared shape. */
export class SwitchboardError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? ERROR_CATALOGUE[code].message);
    this.name = 'SwitchboardError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.details = details;
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isSwitchboardError(err: unknown): err is SwitchboardError {
  return err instanceof SwitchboardError;
}
