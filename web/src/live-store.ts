import type { DomainEvent, EventOf, Schemas, StreamStatus } from '@switchboard/client';

export type Call = Schemas['CallSnapshot'];
export type Agent = Schemas['Agent'];
export type Queue = Schemas['Queue'];
export type QueueStats = Schemas['QueueStats'];
export type Emergency = Schemas['Emergency'];
export type Offer = EventOf<'call.offered'>['data'];

/** What the console knows of the site, kept current by the events. */
export interface LiveState {
  readonly status: StreamStatus;
  readonly agents: Readonly<Record<string, Agent>>;
  readonly calls: Readonly<Record<string, Call>>;
  readonly queues: Readonly<Record<string, Queue>>;
  readonly stats: Readonly<Record<string, QueueStats>>;
  readonly emergencies: Readonly<Record<string, Emergency>>;
  /** Offers ringing now, by `${callId}/${agentId}`. */
  readonly offers: Readonly<Record<string, Offer>>;
  /** Server time minus this browser's time, from the last event (the simulator's clock may be virtual). */
  readonly clockOffsetMs: number;
  /**
   * Server time of the last event (or clock reading): on a virtual clock, time stands still between
   * events, so talk time counts up to it.
   */
  readonly lastEventAt: number;
  /** Bumped by every event: screens that re-read something (the simulator's channels) watch it. */
  readonly lastSeq: number;
}

export const EMPTY: LiveState = {
  status: 'connecting',
  agents: {},
  calls: {},
  queues: {},
  stats: {},
  emergencies: {},
  offers: {},
  clockOffsetMs: 0,
  lastEventAt: 0,
  lastSeq: 0,
};

const offerKey = (callId: string, agentId: string) => `${callId}/${agentId}`;

function without<T>(record: Readonly<Record<string, T>>, drop: (key: string, value: T) => boolean) {
  return Object.fromEntries(Object.entries(record).filter(([key, value]) => !drop(key, value)));
}

/** The state after one event: a pure function, so it is easy to follow (and to test). */
export function applyEvent(state: LiveState, event: DomainEvent): LiveState {
  let next: LiveState = {
    ...state,
    lastSeq: event.seq,
    clockOffsetMs: Date.parse(event.timestamp) - Date.now(),
    lastEventAt: Date.parse(event.timestamp),
  };
  const data = event.data as { call?: Call; agent?: Agent; emergency?: Emergency; stats?: QueueStats };
  if (data.call) next = { ...next, calls: keepRecent({ ...next.calls, [data.call.id]: data.call }) };
  if (data.agent) next = { ...next, agents: { ...next.agents, [data.agent.id]: data.agent } };
  if (data.emergency) {
    next = { ...next, emergencies: { ...next.emergencies, [data.emergency.id]: data.emergency } };
  }
  if (data.stats) next = { ...next, stats: { ...next.stats, [data.stats.queueId]: data.stats } };
  switch (event.type) {
    case 'call.offered':
      return {
        ...next,
        offers: { ...next.offers, [offerKey(event.data.call.id, event.data.agentId)]: event.data },
      };
    case 'call.offer.accepted':
    case 'call.offer.ended':
      return {
        ...next,
        offers: without(next.offers, (key) => key === offerKey(event.data.call.id, event.data.agentId)),
      };
    case 'call.ended':
    case 'call.failed':
      return { ...next, offers: without(next.offers, (_key, offer) => offer.call.id === event.data.call.id) };
    default:
      return next;
  }
}

/** Finished calls kept in memory: a wallboard stays open for weeks; the call log reads the store. */
export const FINISHED_CALLS_KEPT = 500;

function keepRecent(calls: Record<string, Call>): Record<string, Call> {
  const finished = Object.values(calls).filter((call) => !isLive(call));
  if (finished.length <= FINISHED_CALLS_KEPT) return calls;
  const oldest = finished
    .sort((a, b) => Date.parse(a.endedAt ?? a.startedAt) - Date.parse(b.endedAt ?? b.startedAt))
    .slice(0, finished.length - FINISHED_CALLS_KEPT);
  return without(calls, (id) => oldest.some((call) => call.id === id));
}

/** Lists keyed by id. */
export function byId<T extends { id: string }>(items: readonly T[]): Record<string, T> {
  return Object.fromEntries(items.map((item) => [item.id, item]));
}

export const LIVE_STATUSES: readonly Call['status'][] = [
  'queued',
  'ringing',
  'answered',
  'on_hold',
  'transferring',
];

export const isLive = (call: Call) => LIVE_STATUSES.includes(call.status);

/** The agent's live calls: those they took, and those ringing them as a transfer target. */
export function callsOf(state: LiveState, agentId: string): Call[] {
  return Object.values(state.calls).filter(
    (call) =>
      isLive(call) &&
      (call.agentId === agentId ||
        call.legs.some((leg) => leg.agentId === agentId && leg.status !== 'ended')),
  );
}
