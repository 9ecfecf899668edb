import twilio from 'twilio';
import {
  acknowledged,
  refused,
  type WebhookReply,
  type WebhookRequest,
} from '../../core/provider-callbacks.ts';
import {
  causeOfStatus,
  PROGRESS,
  progressOfStatus,
  type TwilioChannel,
  type TwilioCallbackTarget as TwilioDriver,
} from './twilio-channels.ts';

/** TwiML that ends a call Switchboard does not know (any more). */
const HANG_UP = new twilio.twiml.VoiceResponse();
HANG_UP.hangup();
const UNKNOWN_CALL = HANG_UP.toString();

const xml = (body: string): WebhookReply => ({ status: 200, contentType: 'text/xml', body });

/** One handler per callback path below `/api/v1/telephony/twilio`. */
const HANDLERS: Readonly<Record<string, (driver: TwilioDriver, request: WebhookRequest) => WebhookReply>> = {
  '/voice': inbound,
  '/status': status,
  '/twiml': fetchTwiml,
  '/gather': gathered,
  '/played': played,
  '/conference': conference,
  '/recording': recording,
};

/**
 * Answers one request from Twilio. Its `X-Twilio-Signature` must match the URL Twilio was given and
 * the posted fields (HMAC-SHA1 with the auth token, checked by the SDK's `validateRequest`); a forged
 * or altered request is refused with 403 before anything is read from it.
 */
export async function handleTwilioWebhook(
  driver: TwilioDriver,
  request: WebhookRequest,
): Promise<WebhookReply> {
  const signature = request.headers['x-twilio-signature'];
  const url = `${driver.publicBaseUrl}${request.url}`;
  const params = request.method === 'POST' ? stringFields(request.body) : {};
  if (!signature || !twilio.validateRequest(driver.authToken, signature, url, params)) {
    driver.log.warn({ path: request.path }, 'a Twilio callback with a bad signature was refused');
    return refused(403, 'X-Twilio-Signature does not match this request');
  }
  const handler = HANDLERS[request.path];
  if (!handler) return refused(404, `no Twilio callback at ${request.path}`);
  return handler(driver, { ...request, body: params });
}

/** A call to one of the account's numbers (its Voice URL): a new inbound channel that waits for keys. */
function inbound(driver: TwilioDriver, request: WebhookRequest): WebhookReply {
  const { CallSid: sid, From: from, To: to } = request.body as Record<string, string | undefined>;
  if (!sid) return refused(400, 'CallSid is missing');
  const known = driver.bySid.get(sid);
  const existing = known === undefined ? undefined : driver.channels.get(known);
  // Twilio retries a Voice URL that did not answer in time: the call is the same one.
  if (existing) return xml(driver.planOf(existing));
  const channel: TwilioChannel = {
    id: `twilio-${sid}`,
    direction: 'inbound',
    progress: 'ringing',
    plan: { kind: 'idle' },
    held: false,
  };
  driver.channels.set(channel.id, channel);
  driver.knowSid(channel, sid);
  driver.emit({ type: 'channel.inbound', channelId: channel.id, from: from ?? 'anonymous', to: to ?? '' });
  return xml(driver.planOf(channel));
}

/**
 * A status callback. A call only moves forward (ringing, answered, ended): a callback that repeats
 * where the call is, or arrives after a later one, changes nothing.
 */
function status(driver: TwilioDriver, request: WebhookRequest): WebhookReply {
  const body = request.body as Record<string, string | undefined>;
  const channel = channelOf(driver, request);
  const callStatus = body.CallStatus ?? '';
  const progress = progressOfStatus(callStatus);
  if (!channel || progress === undefined) return acknowledged();
  if (body.CallSid && !channel.sid) driver.knowSid(channel, body.CallSid);
  if (PROGRESS[progress] <= PROGRESS[channel.progress]) return acknowledged();
  if (progress === 'ended') {
    const cause = causeOfStatus(callStatus, body.SipResponseCode);
    if (cause) driver.end(channel, cause);
    return acknowledged();
  }
  channel.progress = progress;
  driver.emit({
    type: progress === 'ringing' ? 'channel.ringing' : 'channel.answered',
    channelId: channel.id,
  });
  return acknowledged();
}

/** Twilio fetches what a call runs: on answer (which reports the answer if its callback is still to come), and after each detour. */
function fetchTwiml(driver: TwilioDriver, request: WebhookRequest): WebhookReply {
  const channel = channelOf(driver, request);
  if (!channel) return xml(UNKNOWN_CALL);
  const body = request.body as Record<string, string | undefined>;
  if (body.CallSid && !channel.sid) driver.knowSid(channel, body.CallSid);
  if (channel.direction === 'outbound' && PROGRESS[channel.progress] < PROGRESS.answered) {
    channel.progress = 'answered';
    driver.emit({ type: 'channel.answered', channelId: channel.id });
  }
  return xml(driver.planOf(channel));
}

/** Keys the party pressed while waiting (`<Gather>`), one event per key; then it waits again. */
function gathered(driver: TwilioDriver, request: WebhookRequest): WebhookReply {
  const channel = channelOf(driver, request);
  if (!channel) return xml(UNKNOWN_CALL);
  const digits = String((request.body as Record<string, unknown>).Digits ?? '');
  for (const digit of digits.replace(/[^0-9*#A-D]/g, '')) {
    driver.emit({ type: 'channel.dtmf', channelId: channel.id, digit, durationMs: 0 });
  }
  return xml(driver.planOf(channel));
}

/** A prompt's `<Play>`/`<Say>` ended; the call goes back to its plan. */
function played(driver: TwilioDriver, request: WebhookRequest): WebhookReply {
  const channel = channelOf(driver, request);
  if (!channel) return xml(UNKNOWN_CALL);
  const playbackId = request.query.playback;
  if (playbackId !== undefined && driver.playbacks.get(playbackId) === channel.id) {
    driver.playbacks.delete(playbackId);
    driver.emit({ type: 'playback.finished', playbackId, channelId: channel.id });
  }
  return xml(driver.planOf(channel));
}

/** A conference's events: remembered for its SID (muting a participant names the conference). */
function conference(driver: TwilioDriver, request: WebhookRequest): WebhookReply {
  const body = request.body as Record<string, string | undefined>;
  const bridgeId = request.query.bridge ?? body.FriendlyName;
  if (bridgeId && body.ConferenceSid && driver.bridges.has(bridgeId)) {
    driver.conferences.set(bridgeId, body.ConferenceSid);
  }
  return acknowledged();
}

/** A recording's status callback: `completed` when it was stopped or its call ended. */
function recording(driver: TwilioDriver, request: WebhookRequest): WebhookReply {
  const body = request.body as Record<string, string | undefined>;
  const recordingId = request.query.recording;
  if (recordingId !== undefined && body.RecordingStatus === 'completed') {
    driver.recordingCompleted(recordingId, body.RecordingSid, body.RecordingUrl);
  }
  return acknowledged();
}

function channelOf(driver: TwilioDriver, request: WebhookRequest): TwilioChannel | undefined {
  const byId = request.query.channel;
  if (byId !== undefined) return driver.channels.get(byId);
  const sid = (request.body as Record<string, unknown>).CallSid;
  const id = typeof sid === 'string' ? driver.bySid.get(sid) : undefined;
  return id === undefined ? undefined : driver.channels.get(id);
}

/** Posted fields as the signature covers them: text values only. */
function stringFields(body: Readonly<Record<string, unknown>>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) if (typeof value === 'string') fields[key] = value;
  return fields;
}
