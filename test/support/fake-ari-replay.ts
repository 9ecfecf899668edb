import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WAV_HEADER_BYTES, wavHeader } from '../../src/telephony/sim/wav.ts';
import type { FakeAriServer, FakeBackend, FakeRequest, FakeResponse } from './fake-ari.ts';

/**
 * Replays a recorded transcript (test/fixtures/ari, copied from the recordings) to a driver: the WebSocket events exactly as
 * recorded (every field, in the recorded order), and the
 * recorded status and body for each REST request the driver makes. Ids the driver chose (channelId,
 * bridgeId, snoopId, playbackId, recording name) and the application name replace the recorded ones
 * wherever they appear.
 *
 * The driver's requests are checked against the recorded ones in order: method, path and the
 * parameters that carry meaning (endpoint, dtmf, media, channel...). An event that a request caused
 * (the hang-up request after a DELETE, the state change after an answer, the first event of a
 * channel the driver dialled) is held back, with everything after it, until the driver makes that
 * request. Requests the recorder made for its own curiosity (GETs, error
 * probes) are named `recorderOnly` and are not expected.
 */

export const FIXTURES_DIR =
  process.env.ARI_FIXTURES_DIR ?? fileURLToPath(new URL('../fixtures/ari/', import.meta.url));

export interface RecordedRest {
  readonly t: number;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly response: unknown;
  readonly note?: string;
  readonly ws?: string;
  readonly auth?: string;
  /** The type of a file answer (`GET /recordings/stored/{name}/file`), whose bytes were not kept. */
  readonly content_type?: string;
}

/** A recorded event; its `type` and the rest as Asterisk sent them. */
export type RecordedEvent = { readonly type: string } & Record<string, unknown>;

/** The events of a scenario's WebSocket (`label`: `''` for the main one, `ws3`, `oracle`...). */
export function loadEvents(scenario: string, label = ''): RecordedEvent[] {
  const file = `${FIXTURES_DIR}/${scenario}${label ? `.${label}` : ''}.events.json`;
  return JSON.parse(readFileSync(file, 'utf8')) as RecordedEvent[];
}

/** The REST requests of a scenario, as recorded. */
export function loadRest(scenario: string): RecordedRest[] {
  return JSON.parse(readFileSync(`${FIXTURES_DIR}/${scenario}.rest.json`, 'utf8')) as RecordedRest[];
}

export interface ReplayOptions {
  readonly scenario: string;
  /** The driver's application name; the recording's is `cti-app`. */
  readonly app: string;
  /**
   * The recorded requests the driver is expected to make, each written as the start of
   * `METHOD path` in the .rest.json file (`'POST /channels/1795319622.5/ring'`), in recorded order;
   * every other recorded request was the recorder's own. A number names a request by its index.
   */
  readonly driverMakes: readonly (string | number)[];
  /**
   * The driver's successive WebSocket connections: their event file (`''` is `<scenario>.events.json`,
   * `'ws3'` is `<scenario>.ws3.events.json`) and the recorded time from which requests belong with
   * them. Default: one connection, `''`.
   */
  readonly connections?: readonly { readonly events: string; readonly fromT: number }[];
  /**
   * Whether the driver must make the expected requests in the recorded order, and events are sent in
   * the recorded order across channels (default true). When false, a request matches the first
   * expected one like it ({@link TranscriptReplay.order} tells which), and an event held for a
   * request holds up only later events of the same channel, bridge or media: for a driver whose
   * requests come in another order than the recorder's.
   */
  readonly strictOrder?: boolean;
  /** Answers for requests the transcript does not have (the driver's own GET /bridges, say). */
  readonly unscripted?: (request: FakeRequest) => FakeResponse | undefined;
}

interface Expected {
  readonly index: number;
  readonly rest: RecordedRest;
  readonly pathname: string;
  readonly query: Record<string, string>;
  /** Which connection's events it belongs with. */
  readonly connection: number;
  matched: boolean;
}

interface Pending {
  readonly event: RecordedEvent;
  readonly resources: readonly string[];
  /** The expected request (index) that must be made before this event is sent. */
  gate: number | undefined;
  sent: boolean;
}

const RECORDED_APP = 'cti-app';
/** Query parameters whose value the driver must get right; others (appArgs, reason...) may differ. */
const SIGNIFICANT = [
  'endpoint',
  'dtmf',
  'media',
  'type',
  'channel',
  'spy',
  'whisper',
  'format',
  'timeout',
  'callerId',
  'reason',
  'eventSource',
  'direction',
];

/** The fake ARI server's backend that plays one recorded scenario. */
export class TranscriptReplay implements FakeBackend {
  /** Indices of the expected requests in the order the driver made them. */
  readonly order: number[] = [];
  readonly mismatches: string[] = [];
  /** Requests answered by `unscripted`. */
  readonly unscriptedRequests: FakeRequest[] = [];
  private readonly expected: Expected[] = [];
  private readonly connections: Pending[][];
  private readonly bindings = new Map<string, string>();
  private active = -1;

  constructor(
    private readonly server: FakeAriServer,
    private readonly options: ReplayOptions,
  ) {
    const rest = loadRest(options.scenario);
    const connections = options.connections ?? [{ events: '', fromT: 0 }];
    this.connections = connections.map(({ events }) =>
      loadEvents(options.scenario, events).map((event) => ({
        event,
        resources: resourcesOf(event),
        gate: undefined,
        sent: false,
      })),
    );
    const makes = pickRequests(rest, options.driverMakes, options.scenario);
    rest.forEach((r, index) => {
      if (!makes.has(index)) return;
      const url = new URL(r.path, 'http://x');
      // The request belongs with the driver's WebSocket that was open when it was made.
      let connection = 0;
      connections.forEach((c, i) => {
        if (c.fromT <= r.t) connection = i;
      });
      this.expected.push({
        index,
        rest: r,
        pathname: url.pathname,
        query: Object.fromEntries(url.searchParams),
        connection,
        matched: false,
      });
    });
    this.placeGates();
  }

  /** Expected requests the driver has not made (yet). */
  pending(): string[] {
    return this.expected.filter((e) => !e.matched).map((e) => `#${e.index} ${e.rest.method} ${e.rest.path}`);
  }

  /** Events not sent (yet), as `type id`. */
  unsent(): string[] {
    return this.connections.flatMap((list, c) =>
      list.filter((p) => !p.sent).map((p) => `ws${c}: ${p.event.type} ${p.resources.join(',')}`),
    );
  }

  /** The id the driver uses for a recorded one (itself when the driver did not choose it). */
  idFor(recorded: string): string {
    return this.bindings.get(recorded) ?? recorded;
  }

  connected(app: string, _subscribeAll: boolean, index: number): void {
    if (app !== this.options.app) return;
    this.active = index;
    this.pump();
  }

  disconnected(app: string): void {
    if (app === this.options.app) this.active = -1;
  }

  handle(request: FakeRequest): FakeResponse {
    const candidates = this.expected.filter((e) => !e.matched);
    const strict = this.options.strictOrder ?? true;
    const match = (strict ? candidates.slice(0, 1) : candidates).find((e) => this.matches(e, request));
    if (!match) {
      const extra = this.options.unscripted?.(request);
      if (extra) {
        this.unscriptedRequests.push(request);
        return extra;
      }
      const next = candidates[0];
      const wanted = next ? `#${next.index} ${next.rest.method} ${next.rest.path}` : 'nothing more';
      this.mismatches.push(
        `${request.method} ${request.path}${queryText(request.query)} (expected ${wanted})`,
      );
      return { status: 500, body: { message: 'fake ARI replay: request not in the transcript' } };
    }
    match.matched = true;
    this.order.push(match.index);
    this.bind(match, request);
    this.pump();
    return (
      fileAnswer(match.rest) ?? {
        status: match.rest.status,
        ...(match.rest.response !== null && { body: this.rewrite(match.rest.response) }),
      }
    );
  }

  /** Sends every event whose turn has come: not held by a request, nothing earlier of its own pending. */
  private pump(): void {
    const list = this.connections[this.active];
    if (!list) return;
    const strict = this.options.strictOrder ?? true;
    for (let progress = true; progress; ) {
      progress = false;
      const blocked = new Set<string>();
      let barrier = false;
      for (const pending of list) {
        if (pending.sent) continue;
        const waiting =
          barrier ||
          (pending.gate !== undefined && !this.expected.find((e) => e.index === pending.gate)?.matched) ||
          pending.resources.some((r) => blocked.has(r)) ||
          (pending.resources.length === 0 && blocked.size > 0);
        if (waiting) {
          if (strict) return;
          for (const r of pending.resources) blocked.add(r);
          if (pending.resources.length === 0) barrier = true;
          continue;
        }
        pending.sent = true;
        progress = true;
        this.server.emit(this.options.app, this.rewrite(pending.event) as object);
      }
    }
  }

  /** Finds, for each expected request, the first later event it caused, and holds that event for it. */
  private placeGates(): void {
    const from = this.connections.map(() => 0);
    for (const expected of this.expected) {
      const list = this.connections[expected.connection];
      if (!list || expected.rest.status >= 300) continue;
      // A request about a channel that came from outside is made only once the driver heard of it.
      const about = expected.pathname.split('/')[2];
      const known = about
        ? list.findIndex(
            (p) => p.event.type === 'StasisStart' && p.resources.includes(decodeURIComponent(about)),
          )
        : -1;
      const found = findEffect(expected, list, Math.max(from[expected.connection]!, known + 1));
      if (found === undefined) continue;
      list[found]!.gate ??= expected.index;
      from[expected.connection] = found + 1;
    }
  }

  private matches(expected: Expected, request: FakeRequest): boolean {
    if (expected.rest.method !== request.method) return false;
    if (this.mapPath(expected.pathname) !== request.path) return false;
    for (const key of SIGNIFICANT) {
      const recorded = expected.query[key];
      if (recorded === undefined) continue;
      const wanted = key === 'channel' ? this.idFor(recorded) : recorded;
      if (request.query[key] !== wanted) return false;
    }
    return true;
  }

  /** Records the ids the driver chose for what this request created. */
  private bind(expected: Expected, request: FakeRequest): void {
    const response = expected.rest.response as { id?: string; name?: string } | null;
    const { pathname, query } = expected;
    const created =
      expected.rest.method === 'POST' &&
      (pathname === '/channels' || pathname === '/bridges' || pathname.endsWith('/snoop'));
    if (created && response?.id) {
      const chosen = request.query.channelId ?? request.query.bridgeId ?? request.query.snoopId;
      if (chosen) this.bindings.set(response.id, chosen);
    }
    if (pathname.endsWith('/play') && query.playbackId && request.query.playbackId) {
      this.bindings.set(query.playbackId, request.query.playbackId);
    }
    if (pathname.endsWith('/record') && query.name && request.query.name) {
      this.bindings.set(query.name, request.query.name);
    }
  }

  private mapPath(pathname: string): string {
    return pathname
      .split('/')
      .map((part) => this.rewriteString(this.idFor(decodeURIComponent(part))))
      .join('/');
  }

  /** The recorded value with the driver's ids and application name in place of the recorded ones. */
  private rewrite(value: unknown): unknown {
    if (typeof value === 'string') return this.rewriteString(value);
    if (Array.isArray(value)) return value.map((v) => this.rewrite(v));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.rewrite(v)]));
    }
    return value;
  }

  private rewriteString(text: string): string {
    const bound = this.bindings.get(text);
    if (bound) return bound;
    if (text === RECORDED_APP) return this.options.app;
    if (text.startsWith(`${RECORDED_APP},`)) return this.options.app + text.slice(RECORDED_APP.length);
    const uri = /^(channel|bridge):(.+)$/.exec(text);
    if (uri) return `${uri[1]}:${this.idFor(uri[2]!)}`;
    const snoop = /^Snoop\/(.+)-([0-9a-f]{8})$/.exec(text);
    if (snoop) return `Snoop/${this.idFor(snoop[1]!)}-${snoop[2]}`;
    return text;
  }
}

/**
 * A file the recorder received without keeping its bytes (`recording-pause-resume`: status, type and
 * length only): a WAV header for that length and silence, so the driver reads what Asterisk sent.
 */
function fileAnswer(rest: RecordedRest): FakeResponse | undefined {
  const length = (rest.response as { content_length?: number } | null)?.content_length;
  if (rest.status !== 200 || rest.content_type !== 'audio/wav' || length === undefined) return undefined;
  const body = Buffer.alloc(length);
  body.set(wavHeader(length - WAV_HEADER_BYTES));
  return { status: 200, contentType: rest.content_type, body };
}

/** The indices of the recorded requests named by `prefixes`, each taken once, in order. */
function pickRequests(
  rest: readonly RecordedRest[],
  prefixes: readonly (string | number)[],
  scenario: string,
): Set<number> {
  const picked = new Set<number>();
  let from = 0;
  for (const prefix of prefixes) {
    const index =
      typeof prefix === 'number'
        ? prefix
        : rest.findIndex((r, i) => i >= from && !r.ws && `${r.method} ${r.path}`.startsWith(prefix));
    if (index < 0) throw new Error(`${scenario}: no recorded request "${prefix}" after #${from}`);
    picked.add(index);
    from = index + 1;
  }
  return picked;
}

/** The ids an event is about: channel, dialled peer, bridge, playback, recording, device, endpoint. */
function resourcesOf(event: RecordedEvent): string[] {
  const ids: string[] = [];
  const channel = event.channel as { id?: string } | undefined;
  const peer = event.peer as { id?: string } | undefined;
  const bridge = event.bridge as { id?: string } | undefined;
  const playback = event.playback as { id?: string } | undefined;
  const recording = event.recording as { name?: string } | undefined;
  const device = event.device_state as { name?: string } | undefined;
  const endpoint = event.endpoint as { technology?: string; resource?: string } | undefined;
  if (channel?.id) ids.push(channel.id);
  if (peer?.id) ids.push(peer.id);
  if (bridge?.id) ids.push(bridge.id);
  if (playback?.id) ids.push(playback.id);
  if (recording?.name) ids.push(`rec:${recording.name}`);
  if (device?.name) ids.push(`dev:${device.name}`);
  if (endpoint?.resource) ids.push(`endpoint:${endpoint.technology}/${endpoint.resource}`);
  return ids;
}

/** The index of the first event at or after `from` that `expected` caused, if it caused one. */
function findEffect(expected: Expected, events: readonly Pending[], from: number): number | undefined {
  const { method } = expected.rest;
  const parts = expected.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const [resource, id, action, sub] = parts;
  const response = expected.rest.response as { id?: string } | null;
  const q = expected.query;
  const find = (test: (e: RecordedEvent) => boolean) => {
    for (let i = from; i < events.length; i++) if (test(events[i]!.event)) return i;
    return undefined;
  };
  const channelOf = (e: RecordedEvent) => (e.channel as { id?: string; state?: string } | undefined) ?? {};
  const bridgeOf = (e: RecordedEvent) => (e.bridge as { id?: string } | undefined)?.id;
  const mentions = (e: RecordedEvent, x: string) => resourcesOf(e).includes(x);
  if (resource === 'channels') {
    if (method === 'POST' && !id && response?.id) return find((e) => mentions(e, response.id!));
    if (method === 'POST' && action === 'snoop' && response?.id)
      return find((e) => mentions(e, response.id!));
    if (method === 'POST' && action === 'answer') {
      return find(
        (e) => e.type === 'ChannelStateChange' && channelOf(e).id === id && channelOf(e).state === 'Up',
      );
    }
    if (method === 'DELETE' && !action) {
      return find(
        (e) =>
          e.type === 'ChannelHangupRequest' && channelOf(e).id === id && e.soft === true && e.cause === 32,
      );
    }
    if (method === 'POST' && action === 'redirect') return find((e) => mentions(e, id!));
    if (method === 'POST' && action === 'play' && q.playbackId) {
      return find((e) => e.type === 'PlaybackStarted' && mentions(e, q.playbackId!));
    }
    if (method === 'POST' && action === 'record' && q.name) {
      return find((e) => e.type === 'RecordingStarted' && mentions(e, `rec:${q.name}`));
    }
  }
  if (resource === 'bridges') {
    if (method === 'POST' && !id && response?.id) return find((e) => mentions(e, response.id!));
    if (method === 'DELETE' && !action)
      return find((e) => e.type === 'BridgeDestroyed' && bridgeOf(e) === id);
    if (method === 'POST' && action === 'addChannel') {
      return find(
        (e) => e.type === 'ChannelEnteredBridge' && bridgeOf(e) === id && channelOf(e).id === q.channel,
      );
    }
    if (method === 'POST' && action === 'removeChannel') {
      return find(
        (e) => e.type === 'ChannelLeftBridge' && bridgeOf(e) === id && channelOf(e).id === q.channel,
      );
    }
    if (method === 'POST' && action === 'record' && q.name) {
      return find((e) => e.type === 'RecordingStarted' && mentions(e, `rec:${q.name}`));
    }
  }
  if (resource === 'recordings' && id === 'live' && sub === 'stop' && action) {
    return find((e) => e.type === 'RecordingFinished' && mentions(e, `rec:${action}`));
  }
  // Without subscribeAll, an endpoint's events start with the application's subscription to it.
  if (resource === 'applications' && action === 'subscription' && method === 'POST' && q.eventSource) {
    return find((e) => mentions(e, q.eventSource!));
  }
  if (resource === 'playbacks' && method === 'DELETE' && id) {
    return find((e) => e.type === 'PlaybackFinished' && mentions(e, id));
  }
  return undefined;
}

function queryText(query: Readonly<Record<string, string>>): string {
  const text = new URLSearchParams(query).toString();
  return text ? `?${text}` : '';
}
