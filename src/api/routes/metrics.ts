import type { FastifyPluginAsync } from 'fastify';
import { Gauge, Registry } from 'prom-client';
import type { Histograms } from '../histograms.ts';

/** What the server reports to Prometheus, read afresh at every scrape. */
export interface MetricsSource {
  readonly liveCalls: number;
  readonly lastEventSeq: number;
  readonly driver: string;
  readonly driverConnected: boolean;
  /** The ARI connection, when that is the driver. */
  readonly ari?: {
    readonly state: string;
    readonly reconnects: number;
    readonly resyncs: number;
    readonly replacements: number;
    readonly reclaims: number;
    readonly eventsReceived: number;
    readonly requests: number;
    readonly requestFailures: number;
    readonly requestsInFlight: number;
  };
  readonly agentsByState: Readonly<Record<string, number>>;
  readonly waitingByQueue: Readonly<Record<string, number>>;
  /** The ACD distributor's figures since start. */
  readonly distribution?: {
    readonly attempts: number;
    readonly failures: number;
    readonly dropped: number;
    readonly backoffs: number;
    readonly pendingWork: number;
  };
}

/** GET /api/v1/metrics: Prometheus text format (behind the API key, like the rest of /api). */
export const metricsRoutes: FastifyPluginAsync<{
  source: () => MetricsSource;
  histograms?: Histograms;
}> = async (app, { source, histograms }) => {
  // A registry of its own: no process-global state, so several servers in one process (tests) coexist.
  const registry = new Registry();
  histograms?.registerIn(registry);
  const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        collect(this);
      },
    });

  gauge('switchboard_live_calls', 'Calls alive right now.', [], (g) => g.set(source().liveCalls));
  gauge('switchboard_event_seq', 'Seq of the last published event (grows with every event).', [], (g) =>
    g.set(source().lastEventSeq),
  );
  gauge('switchboard_driver_connected', '1 while the telephony driver is connected.', ['driver'], (g) => {
    const s = source();
    g.set({ driver: s.driver }, s.driverConnected ? 1 : 0);
  });
  gauge('switchboard_agents', 'Agents by state.', ['state'], (g) => {
    for (const [state, n] of Object.entries(source().agentsByState)) g.set({ state }, n);
  });
  gauge('switchboard_queue_waiting', 'Callers waiting, by queue.', ['queue'], (g) => {
    for (const [queue, n] of Object.entries(source().waitingByQueue)) g.set({ queue }, n);
  });
  gauge('switchboard_ari_connection', '1 for the ARI connection state the driver is in.', ['state'], (g) => {
    const ari = source().ari;
    if (ari) g.set({ state: ari.state }, 1);
  });
  const ariFigures: Array<[keyof NonNullable<MetricsSource['ari']>, string]> = [
    ['reconnects', 'WebSocket reconnections to ARI since start.'],
    ['resyncs', 'Resynchronisations of live channels after a reconnection.'],
    ['replacements', 'Times another client took the Stasis application (ApplicationReplaced).'],
    ['reclaims', 'Times the Stasis application was taken back after another client let it go.'],
    ['eventsReceived', 'ARI events received since start.'],
    ['requests', 'ARI REST requests made since start.'],
    ['requestFailures', 'ARI REST requests that failed since start.'],
    ['requestsInFlight', 'ARI REST requests in flight.'],
  ];
  for (const [field, help] of ariFigures) {
    const name = `switchboard_ari_${field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;
    gauge(name, help, [], (g) => {
      const ari = source().ari;
      if (ari) g.set(ari[field] as number);
    });
  }

  const distributionFigures: Array<[keyof NonNullable<MetricsSource['distribution']>, string, string]> = [
    ['attempts', 'switchboard_acd_offer_attempts', 'Callers the ACD tried to ring agents for, since start.'],
    ['failures', 'switchboard_acd_offer_failures', 'Offers the engine refused, since start.'],
    [
      'dropped',
      'switchboard_acd_callers_dropped',
      'Callers dropped because their call had ended when offered.',
    ],
    ['backoffs', 'switchboard_acd_offer_backoffs', 'Times a live caller sat out after offers that failed.'],
    ['pendingWork', 'switchboard_acd_pending_work', 'ACD work waiting its turn (grows if the ACD is stuck).'],
  ];
  for (const [field, name, help] of distributionFigures) {
    gauge(name, help, [], (g) => {
      const figures = source().distribution;
      if (figures) g.set(figures[field]);
    });
  }

  app.get(
    '/metrics',
    {
      schema: {
        summary:
          'Prometheus metrics: live calls, driver and ARI connection, agents by state, callers waiting',
        tags: ['health'],
        operationId: 'metrics',
      },
    },
    async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    },
  );
};
