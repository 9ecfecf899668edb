import { DriverError } from '../driver.ts';
import type { SimChannel, SimChannelSnapshot } from './channel.ts';

/**
 * How many ended channels {@link ChannelBook.snapshot} can still show (state `ended`, with their
 * cause). Older ones are forgotten, so a long load run keeps nothing per ended channel beyond this.
 */
export const RECENT_ENDED_CHANNELS = 1_000;

/** The simulator's live channels, oldest first, and the last few that ended. */
export class ChannelBook {
  private readonly live = new Map<string, SimChannel>();
  private readonly recent = new Map<string, SimChannel>();
  private inboundCount = 0;

  has(channelId: string): boolean {
    return this.live.has(channelId);
  }

  /** An id for a channel arriving from outside, unused by any live channel. */
  nextInboundId(): string {
    let channelId: string;
    do channelId = `sim-in-${++this.inboundCount}`;
    while (this.live.has(channelId));
    return channelId;
  }

  add(ch: SimChannel): void {
    this.recent.delete(ch.id);
    this.live.set(ch.id, ch);
  }

  /** Moves an ended channel to the recent ones, forgetting the oldest beyond the limit. */
  retire(ch: SimChannel): void {
    this.live.delete(ch.id);
    this.recent.set(ch.id, ch);
    if (this.recent.size > RECENT_ENDED_CHANNELS) this.recent.delete(this.recent.keys().next().value!);
  }

  forgetEnded(): void {
    this.recent.clear();
  }

  /** The live channel with this id; `not_found` once it has ended. */
  target(channelId: string): SimChannel {
    const ch = this.live.get(channelId);
    if (!ch) {
      const ended = this.recent.has(channelId) ? ' (it has ended)' : '';
      throw new DriverError('not_found', `no live channel "${channelId}"${ended}`);
    }
    return ch;
  }

  snapshot(channelId: string): SimChannelSnapshot | undefined {
    return (this.live.get(channelId) ?? this.recent.get(channelId))?.snapshot();
  }

  liveChannels(): SimChannel[] {
    return [...this.live.values()];
  }
}
