/** The part of an engine.io connection the watch reads. */
export interface PendingMeter {
  readonly id: string;
  /** Live events queued for this client and not yet handed to its transport. */
  pending(): number;
}

export interface SlowClientWatch {
  /** Called after each live broadcast; `seq` is the event just queued for every live client. */
  broadcast(seq: number): void;
}

export const DEFAULT_MAX_PENDING_LIVE = 5_000;

/**
 * Finds live clients that fell more than `maxPending` events behind and hands them to `drop`, with
 * the seq of the last event queued for them, so one client that stops reading cannot grow the
 * server's memory without bound. engine.io holds a client's packets in its write buffer while the
 * transport is busy (a websocket whose last batch the OS has not taken, a long-poll with no request
 * waiting), and a websocket transport holds at most one earlier batch, which was itself that buffer;
 * so the buffer's length is the measure.
 *
 * Checking every client on every event would add an O(clients) scan per event; the watch scans the
 * live clients once every `maxPending / 10` events instead, so a client is caught within 10% past the
 * bound, at a tenth of a check per client per event at most (1,000 clients x 600 events/s with the
 * default bound: about 1,200 checks a second).
 */
export function createSlowClientWatch(options: {
  readonly maxPending: number;
  readonly clients: () => Iterable<PendingMeter>;
  readonly drop: (clientId: string, lastSeq: number) => void;
}): SlowClientWatch {
  const { maxPending, clients, drop } = options;
  const checkEvery = Math.max(1, Math.floor(maxPending / 10));
  let sinceCheck = 0;
  return {
    broadcast(seq) {
      sinceCheck += 1;
      if (sinceCheck < checkEvery) return;
      sinceCheck = 0;
      const slow: string[] = [];
      for (const client of clients()) if (client.pending() > maxPending) slow.push(client.id);
      // Dropped after the scan: dropping leaves the live room the scan walks.
      for (const id of slow) drop(id, seq);
    },
  };
}
