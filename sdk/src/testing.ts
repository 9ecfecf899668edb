import type { SwitchboardClient } from './client.ts';
import type { EventStream } from './events.ts';
import type { Args, DomainEvent, EventOf, EventType, Result } from './types.ts';

/** A remote party of the simulator (a driver's phone, a caller): what it does, by hand. */
export interface RemoteParty {
  readonly channelId: string;
  answer(): Promise<void>;
  /** Presses keys, `interDigitMs` apart on the virtual clock. */
  dtmf(digits: string, options?: { interDigitMs?: number }): Promise<void>;
  hangup(cause?: NonNullable<Args<'simPartyHangup'>['body']>['cause']): Promise<void>;
  reject(cause?: NonNullable<Args<'simPartyReject'>['body']>['cause']): Promise<void>;
  hold(): Promise<void>;
  unhold(): Promise<void>;
}

export interface WaitOptions {
  /** How long to wait, in real milliseconds (default 5000). */
  readonly timeout?: number;
}

/**
 * Helpers for testing an application against Switchboard's simulator: wait for events, move the
 * virtual clock, act as remote parties and call in. Events are recorded from `createTestKit` on, so
 * `waitFor` also finds one that arrived before it was called.
 */
export interface TestKit {
  /** Every event received since the kit started, in seq order. */
  readonly events: readonly DomainEvent[];
  readonly stream: EventStream;
  /** The first event of `type` (received already or to come) for which `predicate` holds. */
  waitFor<T extends EventType>(
    type: T,
    predicate?: (event: EventOf<T>) => boolean,
    options?: WaitOptions,
  ): Promise<EventOf<T>>;
  /** Moves the simulator's virtual clock; resolves once everything due has happened. */
  advanceClock(ms: number): Promise<Result<'advanceSimClock'>>;
  /** The live simulator channel of `address` (the number or endpoint dialled, or the caller). */
  party(address: string): Promise<RemoteParty>;
  /** The remote party of a known simulator channel. */
  partyOf(channelId: string): RemoteParty;
  /** A remote party calls in; returns them, to act as them. */
  placeInbound(call: Args<'placeSimInbound'>['body']): Promise<RemoteParty>;
  /** Stops the event stream. */
  close(): void;
}

/** Starts a test kit on `client`; resolves once its event stream is live. */
export async function createTestKit(client: SwitchboardClient): Promise<TestKit> {
  const { api } = client;
  const stream = client.events();
  const events: DomainEvent[] = [];
  const waiters = new Set<() => void>();
  stream.onAny((event) => {
    events.push(event);
    for (const wake of [...waiters]) wake();
  });
  await stream.ready();

  const partyOf = (channelId: string): RemoteParty => {
    const path = { channelId };
    return {
      channelId,
      answer: async () => void (await api.simPartyAnswer({ path })),
      dtmf: async (digits, options = {}) =>
        void (await api.simPartyDtmf({ path, body: { digits, ...options } })),
      hangup: async (cause) => void (await api.simPartyHangup({ path, body: cause ? { cause } : {} })),
      reject: async (cause) => void (await api.simPartyReject({ path, body: cause ? { cause } : {} })),
      hold: async () => void (await api.simPartyHold({ path })),
      unhold: async () => void (await api.simPartyUnhold({ path })),
    };
  };

  return {
    events,
    stream,
    waitFor(type, predicate = () => true, { timeout = 5000 } = {}) {
      type Wanted = EventOf<typeof type>;
      const match = () =>
        events.find((event): event is Wanted => event.type === type && predicate(event as Wanted));
      return new Promise<Wanted>((resolve, reject) => {
        const check = () => {
          const found = match();
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const seen = events.map((e) => e.type).join(', ') || 'none';
          reject(new Error(`waitFor(${type}): no matching event within ${timeout} ms (received: ${seen})`));
        }, timeout);
        waiters.add(check);
        check();
      });
    },
    advanceClock: (ms) => api.advanceSimClock({ body: { ms } }),
    async party(address) {
      const channels = await api.listSimChannels();
      const channel = channels.filter((c) => c.address === address && c.state !== 'ended').at(-1);
      if (!channel) {
        const live = channels.map((c) => `${c.id} ${c.address} (${c.state})`).join(', ') || 'none';
        throw new Error(`no live simulator channel for ${address}; live: ${live}`);
      }
      return partyOf(channel.id);
    },
    partyOf,
    async placeInbound(call) {
      const { channelId } = await api.placeSimInbound({ body: call });
      return partyOf(channelId);
    },
    close: () => stream.close(),
  };
}
