import type { AriClient } from './ari-client.ts';
import { AriError } from './ari-client.ts';
import type { AriBridge, AriChannel } from './ari-events.ts';
import type { DriverState } from './driver-state.ts';

/** What the driver believes of one channel, as far as resynchronisation needs it. */
export interface TrackedChannelView {
  readonly id: string;
  readonly direction: 'outbound' | 'inbound';
  readonly state: 'dialing' | 'ringing' | 'answered';
}

/** What Asterisk has live right now. */
export interface LiveState {
  readonly channels: ReadonlyMap<string, AriChannel>;
  readonly bridges: ReadonlySet<string>;
}

/** What changed while the driver was not listening. */
export interface ResyncPlan {
  /** Tracked channels Asterisk no longer has: they ended unseen. */
  readonly vanished: readonly string[];
  /** Tracked channels that rang while unseen. */
  readonly ringing: readonly string[];
  /** Tracked channels that were answered (and reached the application) while unseen. */
  readonly answered: readonly string[];
  /** Tracked bridges Asterisk no longer has. */
  readonly bridgesGone: readonly string[];
}

/**
 * Reads Asterisk's live channels, then its bridges. Costly with thousands of channels (53 ms for
 * 4,000 on the recording rig): run it once per reconnection, not in a loop.
 */
export async function readLiveState(client: AriClient): Promise<LiveState> {
  const channels = await client.request<AriChannel[]>('GET', '/channels');
  const bridges = await client.request<AriBridge[]>('GET', '/bridges');
  return {
    channels: new Map((channels ?? []).map((c) => [c.id, c])),
    bridges: new Set((bridges ?? []).map((b) => b.id)),
  };
}

/** Compares the driver's view with Asterisk's; pure, so the rules are easy to test and read. */
export function planResync(
  tracked: Iterable<TrackedChannelView>,
  trackedBridges: Iterable<string>,
  live: LiveState,
): ResyncPlan {
  const vanished: string[] = [];
  const ringing: string[] = [];
  const answered: string[] = [];
  for (const channel of tracked) {
    const now = live.channels.get(channel.id);
    if (!now) {
      vanished.push(channel.id);
      continue;
    }
    if (channel.state === 'answered') continue;
    // An originated channel counts as answered only once in the application (it can then be bridged).
    const reachedApp = channel.direction === 'inbound' || now.dialplan?.app_name === 'Stasis';
    if (now.state === 'Up' && reachedApp) answered.push(channel.id);
    else if (now.state === 'Ringing' && channel.direction === 'outbound' && channel.state === 'dialing') {
      ringing.push(channel.id);
    }
  }
  const bridgesGone = [...trackedBridges].filter((id) => !live.bridges.has(id));
  return { vanished, ringing, answered, bridgesGone };
}

/**
 * Which of the given playbacks and live recordings Asterisk no longer has (their `*Finished` events
 * were lost with the connection). ARI cannot list playbacks (GET /playbacks answers 405), so each is
 * asked for by id; there are few at a time.
 */
export async function findFinishedMedia(
  client: AriClient,
  playbackIds: readonly string[],
  recordingIds: readonly string[],
): Promise<{ playbacks: string[]; recordings: string[] }> {
  const gone = async (path: string) => {
    try {
      await client.request('GET', path);
      return false;
    } catch (error) {
      return error instanceof AriError && error.status === 404;
    }
  };
  const [p, r] = await Promise.all([
    Promise.all(playbackIds.map((id) => gone(`/playbacks/${encodeURIComponent(id)}`))),
    Promise.all(recordingIds.map((id) => gone(`/recordings/live/${encodeURIComponent(id)}`))),
  ]);
  return {
    playbacks: playbackIds.filter((_, i) => p[i]),
    recordings: recordingIds.filter((_, i) => r[i]),
  };
}

/**
 * Brings the driver's view in line with Asterisk's after a time of not listening: channels tracked
 * before it began that Asterisk no longer has end (`network_error`, unless the engine had asked for
 * their end or redirected them), ones that rang or were answered unseen are reported so, and
 * bridges, snoops, playbacks and recordings that went away are dropped or finished. Channels the
 * driver starts meanwhile are not judged by the snapshot, which may predate them.
 */
export async function reconcile(
  client: AriClient,
  state: DriverState,
): Promise<{ vanished: number; survivors: number }> {
  const epoch = state.epoch++;
  const live = await readLiveState(client);
  const judged = state.liveCallChannels().filter((c) => c.epoch <= epoch);
  const plan = planResync(
    judged.map((c) => ({
      id: c.id,
      direction: c.kind === 'inbound' ? 'inbound' : 'outbound',
      state: c.phase,
    })),
    state.bridges.keys(),
    live,
  );
  for (const id of plan.vanished) {
    const channel = state.channels.get(id);
    if (channel) state.endChannel(channel, state.causeOf(channel, 'network_error'));
  }
  for (const id of plan.ringing) {
    const channel = state.channels.get(id);
    if (channel) state.reportRinging(channel);
  }
  for (const id of plan.answered) {
    const channel = state.channels.get(id);
    if (channel) state.reportAnswered(channel);
  }
  for (const id of plan.bridgesGone) state.dropBridge(id);
  for (const snoop of [...state.channels.values()]) {
    if (snoop.kind === 'snoop' && snoop.epoch <= epoch && !live.channels.has(snoop.id)) {
      state.endChannel(snoop, 'normal');
    }
  }
  const media = await findFinishedMedia(client, [...state.playbacks.keys()], [...state.recordings.keys()]);
  for (const id of media.playbacks) state.finishPlayback(id);
  for (const id of media.recordings) state.finishRecording(id, undefined);
  return { vanished: plan.vanished.length, survivors: judged.length - plan.vanished.length };
}
