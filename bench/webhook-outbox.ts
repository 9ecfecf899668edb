/**
 * What the webhook outbox costs the commit of every event (the hot path of every call): the event
 * publisher committing call events with their records to the embedded store, in three set-ups, in
 * alternating rounds so that the machine's load falls on each alike:
 *
 * - `no router`: the publisher as before webhooks existed;
 * - `no subscription`: the webhooks app's router installed, nothing subscribed (the default site);
 * - `1 subscription`: one subscription matching every event (one outbox row per event, same commit).
 *
 *   npm run bench:outbox -- [--events 20000] [--rounds 5]
 *
 * Prints CPU per event (process, writer thread included) and wall time per event for each; nothing is asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_DELIVERY_OPTIONS } from '../src/apps/webhooks/delivery-worker.ts';
import { WebhookService } from '../src/apps/webhooks/webhooks-service.ts';
import type { CallSnapshot } from '../src/core/call.ts';
import { SystemClock } from '../src/core/clock.ts';
import type { NewDomainEvent } from '../src/core/events.ts';
import { EventPublisher } from '../src/engine/event-publisher.ts';
import type { OutboxRouter } from '../src/engine/types.ts';
import { createOutboundFetch } from '../src/net/outbound-fetch.ts';
import { createOutboundPolicy } from '../src/net/outbound-policy.ts';
import { openStore } from '../src/store/open-store.ts';
import type { Store } from '../src/store/types.ts';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '5' } },
});
const EVENTS = Number(values.events);
const ROUNDS = Number(values.rounds);
/** Events published per turn of the event loop, as a busy server's requests arrive. */
const BURST = 50;

type Setup = 'no router' | 'no subscription' | '1 subscription';

const clock = new SystemClock();
const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-outbox-'));

async function prepare(setup: Setup): Promise<{ store: Store; publisher: EventPublisher }> {
  const store = await openStore({ kind: 'sqlite', file: join(dir, `${setup.replaceAll(' ', '-')}.db`) });
  const publisher = new EventPublisher(store, clock);
  await publisher.init();
  if (setup !== 'no router') {
    let router: OutboxRouter | undefined;
    const policy = createOutboundPolicy({ allow: ['127.0.0.1'] });
    const webhooks = new WebhookService({
      engine: { useOutbox: (r) => (router = r), events: publisher },
      publish: (event) => publisher.publish(event),
      store,
      clock,
      outbound: { fetch: createOutboundFetch(policy), policy },
      options: DEFAULT_DELIVERY_OPTIONS,
    });
    // Subscribed but never started: no delivery is sent, only the outbox rows are written.
    if (setup === '1 subscription')
      await webhooks.create({ url: 'http://127.0.0.1:9/', events: ['*'], active: true });
    await webhooks.attach();
    if (router) publisher.useOutbox(router);
  }
  return { store, publisher };
}

function call(i: number): CallSnapshot {
  const at = new Date(clock.now()).toISOString();
  return {
    id: `call-${i}`,
    direction: 'outbound',
    status: 'ringing',
    from: 'dispatcher-001',
    to: '+12125550101',
    context: { ticket: `T-${i}` },
    legs: [
      { id: `call-${i}-1`, role: 'caller', address: 'dispatcher-001', status: 'ringing', startedAt: at },
    ],
    startedAt: at,
  } as unknown as CallSnapshot;
}

async function run(publisher: EventPublisher): Promise<{ cpuUs: number; wallUs: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < EVENTS; i += BURST) {
    const burst: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(EVENTS, i + BURST); j++) {
      const snapshot = call(j);
      const event = { type: 'call.ringing', callId: snapshot.id, data: { call: snapshot } } as NewDomainEvent;
      burst.push(publisher.publish(event, snapshot));
    }
    await Promise.all(burst);
  }
  const used = process.cpuUsage(cpu);
  return {
    cpuUs: (used.user + used.system) / EVENTS,
    wallUs: ((performance.now() - started) * 1000) / EVENTS,
  };
}

const setups: Setup[] = ['no router', 'no subscription', '1 subscription'];
const prepared = new Map<Setup, { store: Store; publisher: EventPublisher }>();
for (const setup of setups) prepared.set(setup, await prepare(setup));
const figures = new Map<Setup, { cpuUs: number; wallUs: number }[]>(setups.map((s) => [s, []]));
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const setup of round % 2 === 0 ? setups : [...setups].reverse()) {
      figures.get(setup)?.push(await run(prepared.get(setup)!.publisher));
    }
  }
  console.log(`${EVENTS} call events per round, ${ROUNDS} rounds, bursts of ${BURST}; median (min–max)`);
  for (const setup of setups) {
    const list = figures.get(setup) ?? [];
    const show = (pick: (f: { cpuUs: number; wallUs: number }) => number) => {
      const sorted = list.map(pick).sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
      return `${median.toFixed(1)} µs (${sorted[0]?.toFixed(1)}–${sorted.at(-1)?.toFixed(1)})`;
    };
    console.log(
      `${setup.padEnd(16)} CPU per event (process, writer thread included) ${show((f) => f.cpuUs)}, wall per event ${show((f) => f.wallUs)}`,
    );
  }
} finally {
  for (const { store } of prepared.values()) await store.close();
  rmSync(dir, { recursive: true, force: true });
}
