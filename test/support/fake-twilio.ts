import { createHmac, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { VirtualClock } from '../../src/core/clock.ts';
import { WAV_HEADER_BYTES, wavHeader, wavSize } from '../../src/telephony/sim/wav.ts';
import { type Answer, FakeProviderServer, type ProviderRequest } from './fake-provider.ts';

/**
 * A fake Twilio Programmable Voice: the REST calls the driver makes (Calls create and update,
 * Conferences list, Participants update) answered with Twilio's JSON, and the other side of the
 * conversation: status callbacks in Twilio's order (initiated, ringing, answered as in-progress, then
 * completed/busy/no-answer/failed/canceled) and TwiML fetched and run, each request signed with
 * `X-Twilio-Signature` (HMAC-SHA1 of the URL and the sorted fields, keyed by the auth token) the way
 * Twilio signs. Written from Twilio's documentation, independently of the SDK the driver uses.
 *
 * What a call runs is kept as state the tests read: the conference it sits in (muted, coaching), the
 * prompt looping (hold music, ringback), media played, digits played to it, a `<Gather>` waiting.
 * Faults on demand: HTTP error answers (401, 429 with Retry-After, 500), requests left unanswered,
 * callbacks sent twice or held back and released out of order.
 */

export const ACCOUNT_SID = `AC${'0'.repeat(31)}1`;
export const AUTH_TOKEN = 'fake-twilio-auth-token';

export interface FakeCall {
  readonly sid: string;
  readonly direction: 'outbound-api' | 'inbound';
  readonly to: string;
  readonly from: string;
  status: string;
  readonly url?: string;
  readonly statusCallback?: string;
  readonly events: readonly string[];
  readonly timeoutS: number;
  /** What the call runs now. */
  conference?: { name: string; muted: boolean; coach?: string; held?: boolean };
  looping?: string;
  gather?: { action: string };
  dialled?: string;
  played: string[];
  digitsSent: string;
  /** Bumped at each new TwiML: what was running stops. */
  run: number;
  answeredAt?: number;
  sequence: number;
}

/** Twilio's `twilio.validateRequest` algorithm: URL, then each field name and value sorted by name. */
export function twilioSignature(authToken: string, url: string, fields: Record<string, string>): string {
  const data = Object.keys(fields)
    .sort()
    .reduce((acc, key) => acc + key + fields[key], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf-8')).digest('base64');
}

export class FakeTwilio extends FakeProviderServer {
  readonly calls = new Map<string, FakeCall>();
  /** Every callback sent, with the receiver's answer status. */
  readonly callbacks: { url: string; fields: Record<string, string>; status: number }[] = [];
  /** Send every status callback twice (Twilio retries on a slow answer). */
  duplicateCallbacks = false;
  /** Keep status callbacks back until {@link releaseCallbacks}. */
  holdCallbacks = false;
  /** Where calls to the account's number go (its Voice URL). */
  voiceUrl = '';
  /** Maps a public callback URL to where it is served in the test (Switchboard behind a public name). */
  deliverTo: ((url: string) => string) | undefined;
  /** The number's status callback URL, set in the console. */
  statusUrl = '';
  /** Numbers Twilio refuses to dial (21211 Invalid 'To' Phone Number). */
  readonly unknownNumbers = new Set<string>();
  /** Call recordings by SID. */
  readonly recordings = new Map<string, FakeRecording>();
  private held: (() => Promise<void>)[] = [];
  private conferences = new Map<string, string>();
  private nextSid = 1;
  protected readonly expectedAuthorization =
    `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;

  constructor(private readonly clock: VirtualClock) {
    super();
  }

  protected errorBody(status: number): unknown {
    return twilioError(status);
  }

  /** Sends the callbacks held back, in `order`. */
  async releaseCallbacks(order: 'sent' | 'reversed'): Promise<void> {
    const held = order === 'reversed' ? [...this.held].reverse() : this.held;
    this.held = [];
    for (const send of held) await send();
  }

  /** The latest call to `to`. */
  callTo(to: string): FakeCall | undefined {
    return [...this.calls.values()].filter((c) => c.to === to).at(-1);
  }

  call(sid: string): FakeCall {
    const call = this.calls.get(sid);
    if (!call) throw new Error(`no fake call ${sid}`);
    return call;
  }

  /** Who is in a conference now, by call SID. */
  conferenceMembers(name: string): string[] {
    return [...this.calls.values()]
      .filter((c) => c.conference?.name === name && !isFinal(c.status))
      .map((c) => c.sid);
  }

  // --- The far end -------------------------------------------------------------------------------

  partyAnswer(sid: string): void {
    const call = this.call(sid);
    if (call.status !== 'ringing' && call.status !== 'queued') throw new Error(`${sid} is ${call.status}`);
    call.status = 'in-progress';
    call.answeredAt = this.clock.now();
    this.track(
      (async () => {
        // Twilio fetches the call's TwiML when it is answered, and reports the answer alongside.
        if (call.url) await this.fetchAndRun(call, call.url, call.run);
        await this.statusCallback(call, 'answered');
      })(),
    );
  }

  partyBusy(sid: string): void {
    this.finish(this.call(sid), 'busy');
  }

  partyHangup(sid: string): void {
    this.finish(this.call(sid), 'completed');
  }

  /** A number that does not exist: Twilio fails the call with the SIP 404 it got. */
  partyUnknown(sid: string): void {
    this.finish(this.call(sid), 'failed', { SipResponseCode: '404' });
  }

  /** The party presses a key: posted to the `<Gather>` waiting, if any (Twilio ignores it otherwise). */
  partyDtmf(sid: string, digit: string): void {
    const call = this.call(sid);
    const gather = call.gather;
    if (!gather) return;
    call.gather = undefined;
    const run = ++call.run;
    this.track(this.fetchAndRun(call, gather.action, run, { Digits: digit }));
  }

  /** A call to the account's number: Twilio asks the Voice URL what to run. */
  inboundCall(from: string, to: string): string {
    // The number's "call status changes" URL hears of the end of its calls.
    const call = this.newCall({
      direction: 'inbound',
      to,
      from,
      status: 'ringing',
      timeoutS: 60,
      events: ['completed'],
      ...(this.statusUrl && { statusCallback: this.statusUrl }),
    });
    this.track(
      (async () => {
        const twiml = await this.post(this.voiceUrl, this.callFields(call));
        // Running TwiML puts an inbound call in progress.
        call.status = 'in-progress';
        call.answeredAt = this.clock.now();
        await this.execute(call, twiml, call.run);
      })(),
    );
    return call.sid;
  }

  // --- REST --------------------------------------------------------------------------------------

  protected route({ method, path, url, form }: ProviderRequest, answer: Answer): undefined {
    const fields = Object.fromEntries(form);
    // Lists come as repeated fields (the SDK's way) or space-separated (curl's).
    const events = form.getAll('StatusCallbackEvent').flatMap((e) => e.split(/\s+/));
    const base = `/2010-04-01/Accounts/${ACCOUNT_SID}`;
    if (method === 'POST' && path === `${base}/Calls.json`) return this.create(fields, events, answer);
    const update = new RegExp(`^${base}/Calls/(CA[0-9a-f]{32})\\.json$`).exec(path);
    if (method === 'POST' && update?.[1]) return this.update(update[1], fields, answer);
    const recordings = new RegExp(
      `^${base}/Calls/(CA[0-9a-f]{32})/Recordings(?:/(RE[0-9a-f]{32}))?\\.json$`,
    ).exec(path);
    if (method === 'POST' && recordings?.[1])
      return this.recordingRequest(recordings[1], recordings[2], fields, form, answer);
    const file = new RegExp(`^${base}/Recordings/(RE[0-9a-f]{32})\\.(wav|json)$`).exec(path);
    const stored = file?.[1] ? this.recordings.get(file[1]) : undefined;
    if (stored && file?.[2] === 'wav' && method === 'GET' && stored.status === 'completed') {
      return answer(200, silenceWav(stored.recordedMs), { 'content-type': 'audio/x-wav' });
    }
    if (stored && file?.[2] === 'json' && method === 'DELETE') {
      this.recordings.delete(stored.sid);
      return answer(204, undefined);
    }
    if (method === 'GET' && path === `${base}/Conferences.json`) {
      const name = new URL(url, 'http://x').searchParams.get('FriendlyName') ?? '';
      const sid = this.conferences.get(name);
      const list = sid && this.conferenceMembers(name).length > 0 ? [{ sid, friendly_name: name }] : [];
      return answer(200, { conferences: list, meta: { page: 0, page_size: 50, key: 'conferences' } });
    }
    const participant = new RegExp(
      `^${base}/Conferences/(CF[0-9a-f]{32})/Participants/(CA[0-9a-f]{32})\\.json$`,
    ).exec(path);
    if (method === 'POST' && participant?.[2]) {
      const call = this.calls.get(participant[2]);
      if (!call?.conference) return answer(404, twilioError(404));
      if (fields.Muted !== undefined) call.conference.muted = fields.Muted === 'true';
      // A participant on hold hears the hold music instead of the conference, and is not heard.
      if (fields.Hold !== undefined) {
        call.conference.held = fields.Hold === 'true';
        call.looping = call.conference.held ? fields.HoldUrl : undefined;
      }
      return answer(200, {
        call_sid: call.sid,
        conference_sid: participant[1],
        muted: call.conference.muted,
      });
    }
    return answer(404, twilioError(404));
  }

  private create(fields: Record<string, string>, subscribed: string[], answer: Answer): undefined {
    if (!fields.To || !fields.From || !(fields.Url || fields.Twiml)) {
      return answer(400, { code: 21201, message: 'No called number is specified', status: 400 });
    }
    if (
      !/^(\+[1-9][0-9]{6,14}|client:[A-Za-z0-9_.-]+|sip:.+)$/.test(fields.To) ||
      this.unknownNumbers.has(fields.To)
    ) {
      return answer(400, { code: 21211, message: `Invalid 'To' Phone Number: ${fields.To}`, status: 400 });
    }
    const call = this.newCall({
      direction: 'outbound-api',
      to: fields.To,
      from: fields.From,
      status: 'queued',
      url: fields.Url,
      statusCallback: fields.StatusCallback,
      events: subscribed.length > 0 ? subscribed : ['completed'],
      timeoutS: Number(fields.Timeout ?? 60),
    });
    answer(201, resource(call));
    this.track(
      (async () => {
        await this.statusCallback(call, 'initiated');
        call.status = 'ringing';
        await this.statusCallback(call, 'ringing');
        this.clock.setTimer(call.timeoutS * 1_000, () => {
          if (call.status === 'ringing') this.finish(call, 'no-answer');
        });
      })(),
    );
  }

  /** `Status=completed|canceled` ends the call; `Twiml`/`Url` replaces what it runs. */
  private update(sid: string, fields: Record<string, string>, answer: Answer): undefined {
    const call = this.calls.get(sid);
    if (!call) return answer(404, twilioError(404));
    if (fields.Status === 'completed' || fields.Status === 'canceled') {
      if (!isFinal(call.status)) this.finish(call, call.status === 'in-progress' ? 'completed' : 'canceled');
      return answer(200, resource(call));
    }
    if (isFinal(call.status)) {
      return answer(400, { code: 21220, message: 'Call is not in-progress. Cannot redirect.', status: 400 });
    }
    if (fields.Twiml) {
      const run = ++call.run;
      this.track(this.execute(call, fields.Twiml, run));
    }
    answer(200, resource(call));
  }

  // --- Calls -------------------------------------------------------------------------------------

  private newCall(fields: Omit<FakeCall, 'sid' | 'played' | 'digitsSent' | 'run' | 'sequence'>): FakeCall {
    const sid = `CA${(this.nextSid++).toString(16).padStart(32, '0')}`;
    const call: FakeCall = { ...fields, sid, played: [], digitsSent: '', run: 0, sequence: 0 };
    this.calls.set(sid, call);
    return call;
  }

  /** Starts a recording of a call, or pauses, resumes or stops one (`Status`). */
  private recordingRequest(
    callSid: string,
    sid: string | undefined,
    fields: Record<string, string>,
    form: URLSearchParams,
    answer: Answer,
  ): undefined {
    const call = this.calls.get(callSid);
    if (!call) return answer(404, twilioError(404));
    if (sid === undefined) {
      if (call.status !== 'in-progress') {
        return answer(400, { code: 21220, message: 'Call is not in-progress', status: 400 });
      }
      const recording: FakeRecording = {
        sid: `RE${(this.nextSid++).toString(16).padStart(32, '0')}`,
        callSid,
        status: 'in-progress',
        recordedMs: 0,
        since: this.clock.now(),
        callback: fields.RecordingStatusCallback,
        events: form.getAll('RecordingStatusCallbackEvent'),
      };
      this.recordings.set(recording.sid, recording);
      return answer(201, { sid: recording.sid, call_sid: callSid, status: recording.status, channels: 1 });
    }
    const recording = this.recordings.get(sid);
    if (!recording || recording.callSid !== callSid) return answer(404, twilioError(404));
    const now = this.clock.now();
    if (recording.since !== undefined) recording.recordedMs += now - recording.since;
    recording.since = undefined;
    if (fields.Status === 'in-progress') recording.since = now;
    if (fields.Status === 'paused' || fields.Status === 'in-progress') recording.status = fields.Status;
    if (fields.Status === 'stopped') this.completeRecording(recording);
    return answer(200, { sid, call_sid: callSid, status: recording.status });
  }

  /** A recording ends (stopped, or its call ended): Twilio posts `completed` with its URL and whole seconds. */
  private completeRecording(recording: FakeRecording): void {
    if (recording.status === 'completed') return;
    if (recording.since !== undefined) recording.recordedMs += this.clock.now() - recording.since;
    recording.since = undefined;
    recording.status = 'completed';
    if (!recording.callback || !recording.events.includes('completed')) return;
    this.track(
      this.post(recording.callback, {
        AccountSid: ACCOUNT_SID,
        CallSid: recording.callSid,
        RecordingSid: recording.sid,
        RecordingUrl: `${this.baseUrl}/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${recording.sid}`,
        RecordingStatus: 'completed',
        RecordingDuration: String(Math.round(recording.recordedMs / 1_000)),
        RecordingChannels: '1',
        RecordingSource: 'StartCallRecordingAPI',
      }),
    );
  }

  private finish(call: FakeCall, status: string, extra: Record<string, string> = {}): void {
    if (isFinal(call.status)) return;
    for (const recording of this.recordings.values()) {
      if (recording.callSid === call.sid) this.completeRecording(recording);
    }
    call.status = status;
    call.run++;
    call.conference = undefined;
    call.gather = undefined;
    call.looping = undefined;
    const duration =
      call.answeredAt === undefined ? 0 : Math.round((this.clock.now() - call.answeredAt) / 1_000);
    this.track(this.statusCallback(call, 'completed', { CallDuration: String(duration), ...extra }));
  }

  /** Sends a status callback for a subscribed event, signed; twice when duplicates are on. */
  private async statusCallback(
    call: FakeCall,
    event: string,
    extra: Record<string, string> = {},
  ): Promise<void> {
    if (!call.statusCallback || !call.events.includes(event)) return;
    const fields = {
      ...this.callFields(call),
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(call.sequence++),
      Timestamp: new Date(this.clock.now()).toUTCString(),
      ...extra,
    };
    const url = call.statusCallback;
    const send = async () => {
      await this.post(url, fields);
      if (this.duplicateCallbacks) await this.post(url, fields);
    };
    if (this.holdCallbacks) this.held.push(send);
    else await send();
  }

  private callFields(call: FakeCall): Record<string, string> {
    return {
      AccountSid: ACCOUNT_SID,
      ApiVersion: '2010-04-01',
      CallSid: call.sid,
      CallStatus: call.status,
      Direction: call.direction,
      From: call.from,
      To: call.to,
    };
  }

  /**
   * POSTs signed fields to Switchboard; resolves with the body it answered. With {@link deliverTo} set,
   * a public URL is delivered to the server behind it, its Host header kept as the public one.
   */
  async post(url: string, fields: Record<string, string>, signature?: string): Promise<string> {
    const { status, text } = await postForm(this.deliverTo?.(url) ?? url, new URL(url).host, fields, {
      'x-twilio-signature': signature ?? twilioSignature(AUTH_TOKEN, url, fields),
    });
    this.callbacks.push({ url, fields, status });
    return text;
  }

  private async fetchAndRun(call: FakeCall, url: string, run: number, extra: Record<string, string> = {}) {
    const twiml = await this.post(url, { ...this.callFields(call), ...extra });
    if (call.run === run) await this.execute(call, twiml, run);
  }

  /** Runs TwiML verb by verb until it waits (a loop, a conference, a gather) or the call gets new TwiML. */
  private async execute(call: FakeCall, twiml: string, run: number): Promise<void> {
    call.conference = undefined;
    call.gather = undefined;
    call.looping = undefined;
    call.dialled = undefined;
    await this.executeFrom(call, verbs(twiml), 0, run);
  }

  /**
   * Runs verbs from `start`. A prompt lasts a second of virtual time: the rest runs from a timer, so that
   * waiting for the fake to settle never waits for time that only the test moves.
   */
  private async executeFrom(call: FakeCall, list: Verb[], start: number, run: number): Promise<void> {
    for (let i = start; i < list.length; i++) {
      const verb = list[i] as Verb;
      if (call.run !== run || isFinal(call.status)) return;
      switch (verb.name) {
        case 'Play':
          if (verb.attrs.digits) {
            call.digitsSent += verb.attrs.digits;
            break;
          }
          if (verb.attrs.loop === '0') {
            call.looping = verb.text;
            return;
          }
          call.played.push(verb.text);
          this.later(1_000, () => this.executeFrom(call, list, i + 1, run));
          return;
        case 'Say':
          call.played.push(`say:${verb.text}`);
          this.later(1_000, () => this.executeFrom(call, list, i + 1, run));
          return;
        case 'Gather':
          call.gather = { action: verb.attrs.action ?? '' };
          this.later(Number(verb.attrs.timeout ?? 5) * 1_000, async () => {
            if (call.run !== run || !call.gather) return;
            call.gather = undefined;
            const next = ++call.run;
            await this.fetchAndRun(call, verb.attrs.action ?? '', next, { Digits: '' });
          });
          return;
        case 'Conference':
          this.join(call, verb);
          return;
        case 'Number':
        case 'Client':
        case 'Sip':
          call.dialled = verb.text;
          return;
        case 'Redirect': {
          const next = ++call.run;
          await this.fetchAndRun(call, verb.text, next);
          return;
        }
        case 'Hangup':
          this.finish(call, 'completed');
          return;
      }
    }
  }

  /** `<Dial><Conference>`: the call sits in the conference; Twilio reports the join to its callback. */
  private join(call: FakeCall, verb: Verb): void {
    const name = verb.text;
    if (!this.conferences.has(name)) this.conferences.set(name, `CF${randomBytes(16).toString('hex')}`);
    call.conference = {
      name,
      muted: verb.attrs.muted === 'true',
      ...(verb.attrs.coach && { coach: verb.attrs.coach }),
    };
    if (!verb.attrs.statusCallback) return;
    this.track(
      this.post(verb.attrs.statusCallback, {
        AccountSid: ACCOUNT_SID,
        CallSid: call.sid,
        ConferenceSid: this.conferences.get(name) ?? '',
        FriendlyName: name,
        StatusCallbackEvent: 'participant-join',
        Muted: String(call.conference.muted),
      }),
    );
  }

  private later(ms: number, work: () => Promise<void>): void {
    this.clock.setTimer(ms, () => this.track(work()));
  }
}

export interface FakeRecording {
  readonly sid: string;
  readonly callSid: string;
  status: 'in-progress' | 'paused' | 'completed';
  recordedMs: number;
  since: number | undefined;
  readonly callback: string | undefined;
  readonly events: readonly string[];
}

/** A recording's file as Twilio stores it: a WAV of the time recorded (silence will do). */
function silenceWav(durationMs: number): Uint8Array {
  const data = wavSize(durationMs) - WAV_HEADER_BYTES;
  return Buffer.concat([wavHeader(data), Buffer.alloc(data)]);
}

interface Verb {
  readonly name: string;
  readonly attrs: Record<string, string>;
  readonly text: string;
}

/** The verbs of a TwiML document in order, nouns of `<Dial>` in place of it (enough for what the driver sends). */
function verbs(twiml: string): Verb[] {
  const out: Verb[] = [];
  const tag =
    /<(Play|Say|Gather|Conference|Number|Client|Sip|Redirect|Hangup|Pause)\b([^>]*?)(\/>|>([\s\S]*?)<\/\1>)/g;
  for (const match of twiml.matchAll(tag)) {
    const attrs: Record<string, string> = {};
    for (const a of (match[2] ?? '').matchAll(/([A-Za-z]+)="([^"]*)"/g))
      attrs[a[1] ?? ''] = unescapeXml(a[2] ?? '');
    out.push({ name: match[1] ?? '', attrs, text: unescapeXml((match[4] ?? '').trim()) });
  }
  return out;
}

function unescapeXml(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&amp;', '&');
}

const isFinal = (status: string) => ['completed', 'busy', 'no-answer', 'failed', 'canceled'].includes(status);

function resource(call: FakeCall) {
  return {
    sid: call.sid,
    account_sid: ACCOUNT_SID,
    to: call.to,
    from: call.from,
    status: call.status,
    direction: call.direction,
    api_version: '2010-04-01',
    uri: `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${call.sid}.json`,
  };
}

/** Twilio's error body for a status. */
function twilioError(status: number) {
  const known: Record<number, [number, string]> = {
    401: [20003, 'Authenticate'],
    404: [20404, 'The requested resource was not found'],
    429: [20429, 'Too Many Requests'],
    500: [20500, 'Internal Server Error'],
    503: [20503, 'Service Unavailable'],
  };
  const [code, message] = known[status] ?? [20500, 'Error'];
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/** A form POST with the Host header given (fetch does not let one set it). */
export function postForm(
  url: string,
  host: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const body = new URLSearchParams(fields).toString();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', headers: { host, 'content-type': 'application/x-www-form-urlencoded', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
