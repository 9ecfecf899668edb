import { afterEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/core/events.ts';
import { type AcdHarness, agent, queue, startAcd } from '../../support/acd-harness.ts';
import { startServer } from '../../support/server.ts';
import { armStateFuse, type StateFuse } from '../../support/state-fuse.ts';

/**
 * The ACD under agent churn: a caller's end, however it interleaves with its offer's end, an agent's
 * log-out or pause, leaves no agent reserved and no caller waiting. A runaway distributor would never
 * let the harness settle, so a fuse on the agent state log stops it after a bounded number of changes.
 */
const FUSE = 200;

let h: AcdHarness;
let fuse: StateFuse;
afterEach(async () => h?.close());

async function setUp(agents: string[]): Promise<void> {
  h = await startAcd();
  h.sb.driver.setProfile({ match: 'sim/*', profile: { answerAfterMs: null } });
  h.sb.driver.setProfile({ match: '+1415*', profile: { hangupAfterMs: null } });
  fuse = armStateFuse(h.sb.store.agentStates, FUSE);
  for (const id of agents) await h.sb.acd.saveAgent(agent(id));
  await h.sb.acd.saveQueue(queue('q', agents, { offerTimeoutMs: 5_000 }));
  await h.sb.acd.saveRoute({
    id: 'r',
    dialled: '+13125550100',
    order: 1,
    destination: { kind: 'queue', queueId: 'q' },
  });
  for (const id of agents) await h.sb.acd.login(id);
}

function caller(): string {
  return h.sb.driver.placeInboundCall({ from: '+14155550001', to: '+13125550100' });
}

/** The caller hangs up the moment its offer stops ringing: its end reaches the ACD after the offer's. */
function hangUpWhenOfferEnds(callerChannel: string): void {
  const stop = h.sb.engine.events.subscribe((e) => {
    if (e.type !== 'call.offer.ended') return;
    stop();
    h.sb.driver.partyHangup(callerChannel);
  });
}

function ringingAgentChannel(): string {
  const ringing = h.sb.driver.channels().filter((c) => c.address.startsWith('sim/') && c.state === 'ringing');
  expect(ringing).toHaveLength(1);
  return ringing[0]!.id;
}

function expectSettled(): void {
  expect(fuse.blown, 'agent state changes stay bounded').toBe(false);
  expect(h.sb.engine.liveCalls()).toEqual([]);
  expect(h.sb.acd.waitingIn('q')).toEqual([]);
  for (const a of h.sb.acd.listAgents()) {
    expect(['available', 'away', 'offline'], `${a.id} is ${a.status.state}`).toContain(a.status.state);
  }
}

const count = (type: DomainEvent['type']) => h.events.filter((e) => e.type === type).length;

describe('ACD under churn: a caller who hangs up while offered', () => {
  it('does not loop when the offer ends (rejected) in the same instant the caller hangs up', async () => {
    await setUp(['a1']);
    const callerId = caller();
    await h.settle();
    h.sb.driver.partyReject(ringingAgentChannel(), 'rejected');
    h.sb.driver.partyHangup(callerId);
    await h.settle();
    expectSettled();
    expect(h.sb.acd.getAgent('a1').status.state).toBe('available');
    // One abandoned caller: it left its queue once.
    expect(h.events.filter((e) => e.type === 'queue.left').map((e) => e.data)).toMatchObject([
      { reason: 'abandoned' },
    ]);
  });

  it('does not loop when the offer rings out and the caller hangs up at that moment', async () => {
    await setUp(['a1', 'a2']);
    hangUpWhenOfferEnds(caller());
    await h.settle();
    await h.advance(5_000);
    expectSettled();
    expect(h.sb.acd.listAgents().map((a) => a.status.state)).toEqual(['available', 'available']);
  });

  it('does not loop when an agent logs in while the caller’s end is still on its way', async () => {
    await setUp(['a1', 'a2']);
    await h.sb.acd.logout('a2');
    await h.sb.acd.pause('a1', 'break');
    const callerId = caller();
    await h.settle();
    expect(h.sb.acd.waitingIn('q')).toHaveLength(1);
    h.sb.driver.partyHangup(callerId);
    const login = h.sb.acd.login('a2');
    const unpause = h.sb.acd.unpause('a1');
    await h.settle();
    await Promise.all([login, unpause]);
    expectSettled();
    expect(h.sb.acd.getAgent('a1').status.state).toBe('available');
    expect(h.sb.acd.getAgent('a2').status.state).toBe('available');
  });

  for (const action of ['logout', 'pause'] as const) {
    it(`settles when the agent ${action}s during the offer and the caller hangs up as it is withdrawn`, async () => {
      await setUp(['a1', 'a2']);
      hangUpWhenOfferEnds(caller());
      await h.settle();
      const ringing = h.sb.driver.channels().find((c) => c.id === ringingAgentChannel())!;
      const agentId = ringing.address.slice('sim/'.length);
      await (action === 'pause' ? h.sb.acd.pause(agentId, 'break') : h.sb.acd.logout(agentId));
      await h.settle();
      expectSettled();
      expect(h.sb.acd.getAgent(agentId).status.state).toBe(action === 'pause' ? 'away' : 'offline');
    });
  }

  it('offers the next caller after the first hung up during its offer', async () => {
    await setUp(['a1']);
    const first = caller();
    await h.settle();
    h.sb.driver.placeInboundCall({ from: '+14155550002', to: '+13125550100' });
    await h.settle();
    h.sb.driver.partyReject(ringingAgentChannel(), 'rejected');
    h.sb.driver.partyHangup(first);
    await h.settle();
    expect(fuse.blown).toBe(false);
    const waiting = h.sb.acd.waitingIn('q');
    expect(waiting).toHaveLength(1);
    expect(waiting[0]!.offeredTo).toEqual(['a1']);
    expect(count('call.offered')).toBe(2);
  });
});

describe('ACD: an offer that cannot be made for a live caller', () => {
  it('backs the caller off on the clock, pauses the agent who cannot be rung, and serves the caller', async () => {
    await setUp(['a1', 'a2']);
    await h.sb.acd.logout('a2');
    // An endpoint the engine refuses (the HTTP API would not accept it; a stored profile might hold it).
    await h.sb.acd.saveAgent(agent('a1', { endpoint: 'not an endpoint!' }));
    caller();
    await h.settle();
    expect(fuse.blown).toBe(false);
    expect(h.sb.acd.waitingIn('q')).toMatchObject([{ offeredTo: [] }]);
    await h.advance(60_000);
    expect(fuse.blown).toBe(false);
    // Each attempt reserves and releases a1: three misses in a row, then a1 is paused as not answering.
    expect(h.sb.acd.getAgent('a1').status).toMatchObject({ state: 'away', reason: 'no_answer' });
    const reservations = h.events.filter(
      (e) => e.type === 'agent.state' && e.agentId === 'a1' && e.data.agent.status.state === 'reserved',
    );
    expect(reservations).toHaveLength(3);
    await h.sb.acd.login('a2');
    await h.advance(4_000);
    expect(h.sb.acd.waitingIn('q')).toMatchObject([{ offeredTo: ['a2'] }]);
  });
});

describe('ACD distribution figures', () => {
  it('show on /health and /api/v1/metrics: a caller whose call was gone when offered is dropped', async () => {
    const server = await startServer();
    try {
      const { sb } = server;
      sb.driver.setProfile({ match: 'sim/*', profile: { answerAfterMs: null } });
      sb.driver.setProfile({ match: '+1415*', profile: { hangupAfterMs: null } });
      await sb.acd.saveAgent(agent('a1'));
      await sb.acd.saveQueue(queue('q', ['a1']));
      await sb.acd.saveRoute({
        id: 'r',
        dialled: '+13125550100',
        order: 1,
        destination: { kind: 'queue', queueId: 'q' },
      });
      expect((await server.request('POST', '/api/v1/agents/a1/login')).status).toBe(200);
      const inbound = await server.request('POST', '/api/v1/sim/inbound', {
        from: '+14155550001',
        to: '+13125550100',
      });
      const callerChannel = inbound.body.data.channelId as string;
      await server.advance(0);
      const stop = sb.engine.events.subscribe((e) => {
        if (e.type !== 'call.offer.ended') return;
        stop();
        sb.driver.partyHangup(callerChannel);
      });
      const ringing = sb.driver.channels().find((c) => c.address === 'sim/a1')!;
      expect((await server.request('POST', `/api/v1/sim/channels/${ringing.id}/reject`, {})).status).toBe(
        200,
      );
      await server.advance(0);
      const health = await server.request('GET', '/health');
      expect(health.body).toMatchObject({
        status: 'ok',
        acd: { attempts: 2, failures: 1, dropped: 1, backoffs: 0, pendingWork: 0 },
      });
      const metrics = await server.request('GET', '/api/v1/metrics');
      expect(metrics.body).toContain('switchboard_acd_callers_dropped 1');
      expect(metrics.body).toContain('switchboard_acd_offer_failures 1');
      expect((await server.request('GET', '/api/v1/agents/a1')).body.data.status.state).toBe('available');
    } finally {
      await server.close({ removeData: true });
    }
  });
});

describe('ACD: an agent who pauses in the same instant they answer an offer', () => {
  it('the answer wins when it reaches the engine first: the pause is refused and the agent is on the call', async () => {
    await setUp(['a1']);
    caller();
    await h.settle();
    h.sb.driver.partyAnswer(ringingAgentChannel());
    const pause = h.sb.acd.pause('a1', 'break');
    await h.settle();
    await expect(pause).rejects.toMatchObject({ code: 'INVALID_STATE', details: { state: 'on_call' } });
    const [call] = h.sb.engine.liveCalls();
    expect(call).toMatchObject({ status: 'answered', agentId: 'a1' });
    expect(h.sb.acd.getAgent('a1').status).toMatchObject({ state: 'on_call', callId: call!.id });
    expect(fuse.blown).toBe(false);
  });
});
