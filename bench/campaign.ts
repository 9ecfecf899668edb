/**
 * A predictive campaign on the simulator: agent utilisation and abandon rate.
 *
 *   npm run bench:campaign -- [--contacts 100000] [--agents 200] [--speed 10] [--talk 90] [--answer-rate 0.5]
 *
 * `--agents` agents log in to one queue; `--contacts` contacts (E.164, one time zone, all inside calling
 * hours) are imported as CSV through HTTP, 20,000 a request, into a predictive campaign (maxAbandonRate 3%). The numbers
 * follow one seeded simulator profile: `--answer-rate` of them answer after 3 to 12 s, the others are
 * busy; an answered contact talks a log-normal `--talk` seconds on average (cv 0.5, at least 10 s);
 * the queue gives each agent 5 s of wrap-up.
 *
 * The clock runs at `--speed` times real time (10 = the simulator at 10× speed); `--speed 0` moves the
 * virtual clock as fast as the machine goes, a second at a time. The run stops when every contact is
 * settled. Printed: contacts, dials, answers, abandons, the abandon rate (abandoned ÷ answered, from the
 * call records), agent utilisation (agents' talk and wrap-up time over the time they were logged in
 * while contacts were still being dialled), and the real time taken. Nothing is asserted.
 *
 * The outbound limits are raised to fit the agents (MAX_CONCURRENT_OUTBOUND_CALLS 2 per agent).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSwitchboard } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import type { CallSnapshot } from '../src/core/call.ts';
import { VirtualClock } from '../src/core/clock.ts';
import { fmt, mib, whole } from './support/format.ts';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '100000' },
    agents: { type: 'string', default: '200' },
    speed: { type: 'string', default: '10' },
    talk: { type: 'string', default: '90' },
    'answer-rate': { type: 'string', default: '0.5' },
  },
});
const contacts = whole(values.contacts, '--contacts');
const agents = whole(values.agents, '--agents');
const speed = Number(values.speed);
const talkMs = whole(values.talk, '--talk') * 1000;
const answerRate = Number(values['answer-rate']);
if (!(speed >= 0)) throw new Error('--speed must be 0 (as fast as possible) or more');
if (!(answerRate > 0 && answerRate <= 1)) throw new Error('--answer-rate must be above 0 and at most 1');
const WRAP_UP_MS = 5_000;

const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-campaign-'));
const clock = new VirtualClock();
const config = loadConfig(
  {},
  {
    CTI_PORT: '0',
    SWITCHBOARD_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    MAX_CONCURRENT_OUTBOUND_CALLS: String(Math.max(10, agents * 2)),
    OUTBOUND_RATE_PER_SECOND: '100',
    OUTBOUND_MAX_STARTING: '100',
  },
);
const sb = await createSwitchboard(config, { clock, logger: false });
const base = await sb.listen();

// biome-ignore lint/suspicious/noExplicitAny: each answer is read for the few fields printed
type Answer = any;

async function call(
  method: string,
  path: string,
  body?: string | object,
  type = 'application/json',
): Promise<Answer> {
  const res = await fetch(base + path, {
    method,
    ...(body !== undefined && {
      headers: { 'content-type': type },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  });
  const json = (await res.json()) as { success: boolean; data: Answer; error?: unknown };
  if (!json.success) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json.error)}`);
  return json.data;
}

const ids = Array.from({ length: agents }, (_, i) => `agent-${String(i + 1).padStart(4, '0')}`);
for (const id of ids) await call('POST', '/api/v1/agents', { id, name: id, endpoint: `sim/${id}` });
await call('POST', '/api/v1/queues', {
  id: 'sales',
  name: 'Sales',
  strategy: 'longest_idle',
  members: ids,
  wrapUpMs: WRAP_UP_MS,
});
for (const id of ids) await call('POST', `/api/v1/agents/${id}/login`);
await call('PUT', '/api/v1/sim/profiles', {
  match: '+1212*',
  profile: {
    distribution: {
      seed: 42,
      answerRate,
      otherwise: 'busy',
      answerAfterMs: { min: 3_000, max: 12_000 },
      talkMs: { mean: talkMs, cv: 0.5, min: 10_000 },
    },
  },
});

const campaign = await call('POST', '/api/v1/campaigns', {
  name: 'Bench',
  mode: 'predictive',
  queueId: 'sales',
  callingHours: { start: '00:00', end: '23:59' },
  timezone: 'America/New_York',
  maxAttempts: 1,
  retryDelayMs: 60_000,
});
// Lists go in imports of up to 20,000 contacts, as a client would send a large list.
const IMPORT_CHUNK = 20_000;
const importStart = performance.now();
let imported = 0;
for (let first = 0; first < contacts; first += IMPORT_CHUNK) {
  const lines = ['phoneNumber,timezone,account'];
  for (let i = first; i < Math.min(contacts, first + IMPORT_CHUNK); i++) {
    lines.push(`+1212${String(2_000_000 + i).padStart(7, '0')},America/New_York,A-${i}`);
  }
  const report = await call(
    'POST',
    `/api/v1/campaigns/${campaign.id}/contacts`,
    lines.join('\n'),
    'text/csv',
  );
  imported += report.imported;
}
const importMs = performance.now() - importStart;
console.log(
  `import: ${fmt(imported)} of ${fmt(contacts)} contacts in ${(importMs / 1000).toFixed(1)} s (CSV over HTTP, ${fmt(IMPORT_CHUNK)} a request)`,
);

const started = clock.now();
const realStart = performance.now();
await call('POST', `/api/v1/campaigns/${campaign.id}/start`);
let lastReport = performance.now();
const done = async () => (await call('GET', `/api/v1/campaigns/${campaign.id}`)).state === 'completed';
if (speed > 0) clock.runAtSpeed(speed);
while (!(await done())) {
  if (speed > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
  else await clock.advance(1000);
  if (performance.now() - lastReport > 10_000) {
    lastReport = performance.now();
    const s = await call('GET', `/api/v1/campaigns/${campaign.id}/stats`);
    console.log(
      `  ${((clock.now() - started) / 1000).toFixed(0)} s virtual: ${fmt(s.dialled)} dialled, ${fmt(s.remaining)} remaining, abandon ${(s.abandonRate * 100).toFixed(2)}%, ratio ${s.dialRatio}`,
    );
  }
}
if (speed > 0) clock.pause();
const realMs = performance.now() - realStart;
const stats = await call('GET', `/api/v1/campaigns/${campaign.id}/stats`);

// From the call records: answered campaign calls, those no agent took, and agents' busy time while dialling.
const records: CallSnapshot[] = [];
let cursor: string | undefined;
do {
  const page = await call('GET', `/api/v1/calls?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
  records.push(...page.items);
  cursor = page.nextCursor;
} while (cursor);
const answered = records.filter((c) => c.context?.campaign && c.answeredAt !== undefined);
const abandoned = answered.filter((c) => c.agentId === undefined);
const lastDial = Math.max(...records.map((c) => Date.parse(c.startedAt)));
const busyMs = answered
  .filter((c) => c.agentId !== undefined)
  .reduce((sum, c) => {
    const from = Date.parse(c.answeredAt ?? '');
    const to = Math.min(Date.parse(c.endedAt ?? '') + WRAP_UP_MS, lastDial);
    return sum + Math.max(0, to - from);
  }, 0);
const utilisation = busyMs / (agents * (lastDial - started));

console.log(
  `campaign: ${fmt(contacts)} contacts, ${fmt(agents)} agents, predictive, answer rate ${answerRate}`,
);
console.log(
  `  dialled ${fmt(stats.dialled)}, answered ${fmt(answered.length)}, connected ${fmt(stats.connected)}`,
);
console.log(
  `  abandoned ${fmt(abandoned.length)}: abandon rate ${((abandoned.length / Math.max(1, answered.length)) * 100).toFixed(2)}% (limit 3%)`,
);
console.log(`  agent utilisation while dialling: ${(utilisation * 100).toFixed(1)}% (talk and wrap-up)`);
console.log(
  `  virtual ${((clock.now() - started) / 1000).toFixed(0)} s in real ${(realMs / 1000).toFixed(1)} s (speed ${speed === 0 ? 'as fast as possible' : `${speed}×`}); final ratio ${stats.dialRatio}; heap ${mib(process.memoryUsage().heapUsed)}`,
);

await sb.close();
rmSync(dataDir, { recursive: true, force: true });
