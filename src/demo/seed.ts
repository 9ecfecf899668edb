import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { CountryCode } from 'libphonenumber-js';
import type { AcdService } from '../apps/acd/acd-service.ts';
import { acdSchemas } from '../apps/acd/schemas.ts';
import type { IvrService } from '../apps/ivr/ivr-service.ts';
import type { ProfileRule } from '../telephony/sim/profiles.ts';
import { CHECKIN_FLOW, DEMO_AGENTS, DEMO_DRIVERS, DEMO_LINES, DEMO_QUEUE } from './demo-data.ts';

/** The shipped check-in flow, read from the package whatever the working folder. */
const CHECKIN_FLOW_FILE = fileURLToPath(
  new URL(`../../examples/flows/${CHECKIN_FLOW}.yaml`, import.meta.url),
);

/** Drivers' phones answer after 3 s and stay on the line until someone hangs up, so people can play along. */
export function demoProfiles(): ProfileRule[] {
  return DEMO_DRIVERS.map((driver) => ({ match: driver.phone, profile: { hangupAfterMs: null } }));
}

/**
 * Seeds the demo site: dispatchers and a supervisor (logged in), the dispatch queue, the check-in flow
 * and the routes of the two lines. Idempotent: what exists already (from an earlier start, or edited
 * since) is kept; only what is missing is created.
 */
export async function seedDemo(
  deps: { readonly acd: AcdService; readonly ivr: IvrService },
  defaultCountry: CountryCode,
): Promise<void> {
  const { acd, ivr } = deps;
  const schemas = acdSchemas(defaultCountry);
  const agents = new Set(acd.listAgents().map((a) => a.id));
  for (const agent of DEMO_AGENTS) {
    if (!agents.has(agent.id)) await acd.saveAgent(schemas.AgentInput.parse(agent));
  }
  if (!acd.listQueues().some((q) => q.id === DEMO_QUEUE)) {
    const dispatchers = DEMO_AGENTS.filter((a) => (a.roles as readonly string[]).includes('dispatcher'));
    await acd.saveQueue(
      schemas.QueueInput.parse({
        id: DEMO_QUEUE,
        name: 'Dispatch',
        strategy: 'longest_idle',
        members: dispatchers.map((a) => a.id),
        wrapUpMs: 5_000,
      }),
    );
  }
  await ivr.saveFlow(await readFile(CHECKIN_FLOW_FILE, 'utf8'));
  const routes = new Set((await acd.listRoutes()).map((r) => r.id));
  const wanted = [
    { id: 'demo-checkin', dialled: DEMO_LINES.checkIn, destination: { kind: 'ivr', flowId: CHECKIN_FLOW } },
    {
      id: 'demo-dispatch',
      dialled: DEMO_LINES.dispatch,
      destination: { kind: 'queue', queueId: DEMO_QUEUE },
    },
  ];
  for (const route of wanted) {
    if (routes.has(route.id)) continue;
    const input = schemas.InboundRouteInput.parse(route);
    await acd.saveRoute({ ...input, id: route.id });
  }
  // Agents start offline after every start: the demo's are on duty at once.
  for (const agent of DEMO_AGENTS) {
    if (acd.getAgent(agent.id).status.state === 'offline') await acd.login(agent.id);
  }
}
