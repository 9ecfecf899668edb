import type { OutboundCallLog, OutboundCallView } from './events.ts';

/** A call log as clients read it; a call in progress counts its talk up to `now`. */
export function toView(log: OutboundCallLog, now: number): OutboundCallView {
  const talking = log.status === 'in-progress' && log.startedAt !== null;
  return {
    callLogId: log.id,
    status: log.status,
    outboundStatus: log.outboundStatus,
    phoneNumber: log.phoneNumber,
    agentId: log.agentId,
    userId: log.userId ?? null,
    metadata: log.metadata ?? null,
    priority: log.priority,
    callId: log.callId,
    scheduleId: log.schedule?.scheduleId ?? null,
    startedAt: log.startedAt,
    endedAt: log.endedAt,
    duration: talking
      ? Math.max(0, Math.floor((now - Date.parse(log.startedAt as string)) / 1000))
      : log.duration,
    scheduledFor: log.scheduledFor,
    adjustedFor: log.adjustedFor ?? null,
    initiatedAt: log.initiatedAt,
    retryCount: log.retryCount,
    retryOf: log.retryOf,
    failureReason: log.failureReason,
    failureCategory: log.failureCategory,
    createdAt: log.createdAt,
  };
}
