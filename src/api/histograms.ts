import { Histogram, type Registry } from 'prom-client';
import type { CallSnapshot } from '../core/call.ts';
import type { DomainEvent } from '../core/events.ts';

/** Seconds, from a few milliseconds (a driver command) to minutes (a queue wait). */
const FAST = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const HUMAN = [0.5, 1, 2, 5, 10, 15, 20, 30, 45, 60, 120, 300, 600];

/**
 * The latency histograms of GET /api/v1/metrics. Each server has its own (no process-global state):
 * the engine reports driver commands, the webhooks app its POSTs, and call set-up and queue waits are
 * read from the events as they are published.
 */
export class Histograms {
  readonly callSetup = new Histogram({
    name: 'switchboard_call_setup_seconds',
    help: 'From a call starting to its answer (the dialled party picking up), answered calls only.',
    labelNames: ['direction'],
    buckets: HUMAN,
    registers: [],
  });
  readonly driverCommand = new Histogram({
    name: 'switchboard_driver_command_seconds',
    help: 'Telephony driver commands (originate, hangup, bridge, ...), by command and outcome.',
    labelNames: ['command', 'outcome'],
    buckets: FAST,
    registers: [],
  });
  readonly webhookDelivery = new Histogram({
    name: 'switchboard_webhook_delivery_seconds',
    help: 'Webhook POSTs until their answer (or failure), by outcome.',
    labelNames: ['outcome'],
    buckets: FAST,
    registers: [],
  });
  readonly queueWait = new Histogram({
    name: 'switchboard_queue_wait_seconds',
    help: 'How long callers waited in a queue before leaving it (answered, abandoned or overflowed).',
    labelNames: ['queue'],
    buckets: HUMAN,
    registers: [],
  });

  /** Adds these to a registry. */
  registerIn(registry: Registry): void {
    for (const metric of [this.callSetup, this.driverCommand, this.webhookDelivery, this.queueWait]) {
      registry.registerMetric(metric);
    }
  }

  readonly onDriverCommand = (command: string, seconds: number, ok: boolean): void => {
    this.driverCommand.observe({ command, outcome: ok ? 'ok' : 'error' }, seconds);
  };

  readonly onWebhookDelivery = (seconds: number, outcome: 'delivered' | 'failed'): void => {
    this.webhookDelivery.observe({ outcome }, seconds);
  };

  /** Reads call set-up and queue waits from published events. */
  readonly onEvent = (event: DomainEvent): void => {
    if (event.type === 'call.answered') {
      const call = (event.data as { call?: CallSnapshot }).call;
      if (call?.answeredAt === undefined) return;
      const seconds = (Date.parse(call.answeredAt) - Date.parse(call.startedAt)) / 1000;
      if (seconds >= 0) this.callSetup.observe({ direction: call.direction }, seconds);
    } else if (event.type === 'queue.left') {
      const data = event.data as { waitedMs?: number; queueId?: string };
      if (typeof data.waitedMs === 'number') {
        this.queueWait.observe({ queue: data.queueId ?? 'unknown' }, data.waitedMs / 1000);
      }
    }
  };
}
