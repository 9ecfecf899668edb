import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { VirtualClock } from '../../src/core/clock.ts';
import { type Answer, FakeProviderServer, type ProviderRequest } from './fake-provider.ts';

/**
 * A fake Exotel (Voice v1), from Exotel's documentation: `POST /v1/Accounts/<sid>/Calls/connect.json`
 * (form fields From, To or Url, CallerId, TimeOut, StatusCallback, StatusCallbackEvents[n],
 * StatusCallbackContentType) answered with `{"Call": {...}}`, `GET .../Calls/<CallSid>.json` with the
 * call's details, errors as `{"RestException": {...}}`. Exotel calls `From` first and, once it answers,
 * `To`; it posts an `answered` callback as each leg answers and a `terminal` one at the end, with every
 * leg's status and talk time (`Legs`), as JSON since the driver asks for it. Faults on demand: HTTP
 * errors, requests left unanswered, callbacks sent twice, held back or lost.
 */

export const EXOTEL_SID = 'switchboardtest1';
export const EXOTEL_KEY = 'fake-exotel-key';
export const EXOTEL_TOKEN = 'fake-exotel-token';

export interface FakeLeg {
  readonly number: string;
  status: 'idle' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed';
  answeredAt?: number;
  endedAt?: number;
}

export interface FakeExotelCall {
  readonly sid: string;
  readonly legs: FakeLeg[];
  readonly url?: string;
  readonly callback?: string;
  readonly events: readonly string[];
  readonly contentType: string;
  readonly timeoutS: number;
  readonly customField?: string;
  status: string;
}

export class FakeExotel extends FakeProviderServer {
  readonly calls = new Map<string, FakeExotelCall>();
  readonly callbacks: { url: string; body: Record<string, unknown>; status: number }[] = [];
  duplicateCallbacks = false;
  /** Maps a public callback URL to where it is served in the test. */
  deliverTo: ((url: string) => string) | undefined;
  /** Drop terminal callbacks (a webhook outage): the driver must read the call details. */
  loseTerminalCallbacks = false;
  holdCallbacks = false;
  private held: (() => Promise<void>)[] = [];
  protected readonly expectedAuthorization =
    `Basic ${Buffer.from(`${EXOTEL_KEY}:${EXOTEL_TOKEN}`).toString('base64')}`;

  constructor(private readonly clock: VirtualClock) {
    super();
  }

  protected errorBody(status: number): unknown {
    return restException(status, status === 401 ? 'Authentication required' : 'Fault injected');
  }

  async releaseCallbacks(order: 'sent' | 'reversed'): Promise<void> {
    const held = order === 'reversed' ? [...this.held].reverse() : this.held;
    this.held = [];
    for (const send of held) await send();
  }

  /** The latest call with a leg to `number`, and that leg's index (once Exotel dials it). */
  legTo(number: string): { call: FakeExotelCall; leg: 0 | 1 } | undefined {
    for (const call of [...this.calls.values()].reverse()) {
      const leg = call.legs.findIndex((l) => l.number === number && l.status !== 'idle');
      if (leg === 0 || leg === 1) return { call, leg };
    }
    return undefined;
  }

  // --- The far end -------------------------------------------------------------------------------

  partyAnswer(sid: string, leg: 0 | 1): void {
    const call = this.call(sid);
    const party = call.legs[leg];
    if (party?.status !== 'ringing') throw new Error(`leg ${leg} of ${sid} is ${party?.status}`);
    party.status = 'in-progress';
    party.answeredAt = this.clock.now();
    this.track(this.callback(call, 'answered'));
    const second = call.legs[1];
    if (leg === 0 && second) this.dial(call, 1);
  }

  partyBusy(sid: string, leg: 0 | 1): void {
    this.legEnds(this.call(sid), leg, 'busy');
  }

  partyHangup(sid: string, leg: 0 | 1): void {
    this.legEnds(this.call(sid), leg, 'completed');
  }

  // --- REST --------------------------------------------------------------------------------------

  protected route({ method, path, form }: ProviderRequest, answer: Answer): undefined {
    const fields = Object.fromEntries(form);
    const base = `/v1/Accounts/${EXOTEL_SID}/Calls`;
    if (method === 'POST' && path === `${base}/connect.json`) return this.connect(fields, answer);
    const details = new RegExp(`^${base}/([0-9a-f]{32})\\.json$`).exec(path);
    const call = details?.[1] ? this.calls.get(details[1]) : undefined;
    if (method === 'GET' && call) return answer(200, { Call: resource(call) });
    return answer(404, restException(404, 'Not found'));
  }

  private connect(fields: Record<string, string>, answer: Answer): undefined {
    if (!fields.From || !fields.CallerId || !(fields.To || fields.Url)) {
      return answer(400, restException(400, 'From, CallerId and To or Url are mandatory'));
    }
    const number = /^\+?[0-9]{6,15}$/;
    if (!number.test(fields.From) || (fields.To !== undefined && !number.test(fields.To))) {
      return answer(400, restException(400, 'Invalid phone number'));
    }
    const events = Object.entries(fields)
      .filter(([key]) => key.startsWith('StatusCallbackEvents['))
      .map(([, value]) => value);
    const call: FakeExotelCall = {
      sid: randomBytes(16).toString('hex'),
      legs: [
        { number: fields.From, status: 'idle' },
        ...(fields.To ? [{ number: fields.To, status: 'idle' as const }] : []),
      ],
      ...(fields.Url && { url: fields.Url }),
      ...(fields.StatusCallback && { callback: fields.StatusCallback }),
      events: events.length > 0 ? events : ['terminal'],
      contentType: fields.StatusCallbackContentType ?? 'multipart/form-data',
      timeoutS: Number(fields.TimeOut ?? 45),
      ...(fields.CustomField && { customField: fields.CustomField }),
      status: 'in-progress',
    };
    this.calls.set(call.sid, call);
    this.dial(call, 0);
    return answer(200, { Call: resource(call) });
  }

  // --- Calls -------------------------------------------------------------------------------------

  private call(sid: string): FakeExotelCall {
    const call = this.calls.get(sid);
    if (!call) throw new Error(`no fake Exotel call ${sid}`);
    return call;
  }

  private dial(call: FakeExotelCall, leg: 0 | 1): void {
    const party = call.legs[leg];
    if (!party) return;
    party.status = 'ringing';
    this.clock.setTimer(call.timeoutS * 1_000, () => {
      if (party.status === 'ringing') this.legEnds(call, leg, 'no-answer');
    });
  }

  /** A leg ends; the call with it: the other leg is hung up (or never dialled), the terminal callback follows. */
  private legEnds(call: FakeExotelCall, leg: 0 | 1, status: FakeLeg['status']): void {
    if (call.status !== 'in-progress') return;
    const now = this.clock.now();
    call.legs.forEach((party, i) => {
      if (i === leg) party.status = status;
      else if (party.status === 'in-progress') party.status = 'completed';
      else if (party.status === 'ringing') party.status = 'no-answer';
      party.endedAt = now;
    });
    const bothTalked = call.legs.length === 2 && call.legs.every((p) => p.answeredAt !== undefined);
    const single = call.legs.length === 1 && call.legs[0]?.answeredAt !== undefined;
    call.status = bothTalked || single ? 'completed' : status === 'completed' ? 'no-answer' : status;
    if (!this.loseTerminalCallbacks) this.track(this.callback(call, 'terminal'));
  }

  private async callback(call: FakeExotelCall, event: 'answered' | 'terminal'): Promise<void> {
    if (!call.callback || !call.events.includes(event)) return;
    const talked = (p: FakeLeg) =>
      p.answeredAt === undefined ? 0 : Math.round(((p.endedAt ?? this.clock.now()) - p.answeredAt) / 1_000);
    const body = {
      CallSid: call.sid,
      EventType: event,
      Status: event === 'answered' ? 'in-progress' : call.status,
      DateUpdated: exotelTime(this.clock.now()),
      To: call.legs[1]?.number ?? '',
      From: call.legs[0]?.number ?? '',
      Direction: 'outbound-api',
      CustomField: call.customField ?? '',
      RecordingUrl: null,
      ConversationDuration: Math.min(...call.legs.map(talked)),
      Legs: call.legs
        .filter((p) => p.status !== 'idle' && (event === 'terminal' || p.answeredAt !== undefined))
        .map((p) => ({ OnCallDuration: talked(p), Status: p.status, AnsweredBy: 'NA' })),
    };
    const url = call.callback;
    const send = async () => {
      await this.post(url, body);
      if (this.duplicateCallbacks) await this.post(url, body);
    };
    if (this.holdCallbacks) this.held.push(send);
    else await send();
  }

  /** POSTs a callback as JSON; with {@link deliverTo}, to the server behind the public URL, Host kept. */
  async post(url: string, body: Record<string, unknown>): Promise<number> {
    const status = await postJson(this.deliverTo?.(url) ?? url, new URL(url).host, body);
    this.callbacks.push({ url, body, status });
    return status;
  }
}

/** A JSON POST with the Host header given (fetch does not let one set it); resolves with the status. */
export function postJson(url: string, host: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', headers: { host, 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function resource(call: FakeExotelCall) {
  return {
    Sid: call.sid,
    ParentCallSid: null,
    AccountSid: EXOTEL_SID,
    To: call.legs[1]?.number ?? '',
    From: call.legs[0]?.number ?? '',
    PhoneNumberSid: '',
    Status: call.status,
    Direction: 'outbound-api',
    Duration: null,
    Price: null,
    RecordingUrl: null,
    Uri: `/v1/Accounts/${EXOTEL_SID}/Calls/${call.sid}.json`,
  };
}

function restException(status: number, message: string) {
  return { RestException: { Status: status, Message: message, Code: status * 100 } };
}

/** Exotel's `YYYY-MM-DD HH:mm:ss`. */
function exotelTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
