import type { NewDomainEvent } from '../../core/events.ts';
import type { FailureCategory } from '../../core/outbound.ts';
import type { OutboundCallView } from './events.ts';

/** The one place the outbound service publishes its events; each carries the call log as it is now. */
export class OutboundNotifier {
  constructor(private readonly publish: (event: NewDomainEvent) => Promise<unknown>) {}

  /** A bulk entry waits for its turn. */
  queued(call: OutboundCallView): Promise<unknown> {
    return this.publish({
      type: 'outbound.queued',
      ...callOf(call),
      data: { callLogId: call.callLogId, call },
    });
  }

  /** A call is scheduled (also each next occurrence of a recurring schedule). */
  scheduled(call: OutboundCallView): Promise<unknown> {
    return this.publish({
      type: 'outbound.scheduled',
      ...callOf(call),
      data: { callLogId: call.callLogId, call },
    });
  }

  /** A failed call will be tried again: `call` is the new log, `retryOf` the first attempt. */
  retryScheduled(call: OutboundCallView, retryOf: string, category: FailureCategory): Promise<unknown> {
    return this.publish({
      type: 'outbound.retry.scheduled',
      data: { callLogId: call.callLogId, retryOf, category, call },
    });
  }

  canceled(call: OutboundCallView): Promise<unknown> {
    return this.publish({
      type: 'outbound.canceled',
      ...callOf(call),
      data: { callLogId: call.callLogId, call },
    });
  }
}

/** The engine's call, when the log has one, so that a call's followers see its outbound events too. */
function callOf(call: OutboundCallView): { callId?: string } {
  return call.callId === null ? {} : { callId: call.callId };
}
