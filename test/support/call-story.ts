import type { CallSnapshot } from '../../src/core/call.ts';
import type { DomainEvent } from '../../src/core/events.ts';

/** A call's events as `type status[ endReason]` lines, a phone's own ringing left out. */
export function callStory(events: readonly DomainEvent[], callId: string): string[] {
  return events
    .filter((e) => e.callId === callId && e.type !== 'call.leg.ringing')
    .map((e) => {
      const call = (e.data as { call: CallSnapshot }).call;
      return `${e.type} ${call.status}${call.endReason ? ` ${call.endReason}` : ''}`;
    });
}
