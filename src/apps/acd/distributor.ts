import { type BackoffPolicy, backoffDelay } from '../../core/backoff.ts';
import { type EndReason, isFinal } from '../../core/call.ts';
import { SwitchboardError } from '../../core/errors.ts';
import type { CallPriority, QueueConfig, QueueExit } from '../../core/queue.ts';
import { indexMembers, moveAgent, moveAgents } from './agent-book.ts';
import { isOpen } from './business-hours.ts';
import type { AcdContext, QueueRuntime } from './context.ts';
import type { LiveAgent } from './live-agent.ts';
import { estimateWaitMs, newCounters, rollInterval } from './queue-stats.ts';
import { STRATEGIES } from './strategies/index.ts';
import { rankOf, type WaitingCall, WaitingList } from './waiting-list.ts';

/** Reasons a caller leaves a queue, as `queue.left` reports them. */
export type LeaveReason = 'answered' | 'abandoned' | 'overflow' | 'closed' | 'no_agents' | 'ended' | 'moved';

/** Offer misses that count against an agent; a withdrawn offer does not. */
const MISSES: ReadonlySet<EndReason> = new Set(['no_answer', 'rejected', 'busy', 'unreachable']);

/** Overflow chains longer than this are a configuration loop: the caller is ended instead. */
const MAX_HOPS = 5;

/** Prefix of the pseudo-queue a route to one agent uses. */
export const AGENT_QUEUE_PREFIX = 'agent:';

let order = 0;

/** The queue's run-time state, creating a personal queue for a direct route to an agent. */
export function runtimeOf(ctx: AcdContext, queueId: string): QueueRuntime {
  const existing = ctx.queues.get(queueId);
  if (existing) return existing;
  if (queueId.startsWith(AGENT_QUEUE_PREFIX)) {
    const agentId = queueId.slice(AGENT_QUEUE_PREFIX.length);
    if (!ctx.agents.has(agentId))
      throw new SwitchboardError('AGENT_NOT_FOUND', `No agent has id "${agentId}".`);
    const runtime = newRuntime(ctx, personalQueue(queueId, agentId));
    ctx.queues.set(queueId, runtime);
    ctx.agents.get(agentId)!.queues.add(queueId);
    return runtime;
  }
  throw new SwitchboardError('QUEUE_NOT_FOUND', `No queue has id "${queueId}".`, { queueId });
}

export function newRuntime(ctx: AcdContext, config: QueueConfig): QueueRuntime {
  const runtime: QueueRuntime = {
    config,
    waiting: new WaitingList(),
    memory: {},
    counters: newCounters(ctx.clock.now(), ctx.options.intervalMs),
    free: new Set(),
    loggedIn: 0,
    memberIndex: new Map(),
  };
  indexMembers(ctx, runtime);
  return runtime;
}

function personalQueue(id: string, agentId: string): QueueConfig {
  return {
    id,
    name: `Direct to ${agentId}`,
    strategy: 'longest_idle',
    members: [agentId],
    requiredSkills: {},
    offerTimeoutMs: 20_000,
    wrapUpMs: 0,
    whenNoAgents: 'wait',
    serviceLevelMs: 20_000,
    agingMs: 120_000,
  };
}

/**
 * Puts a call into a queue: closed hours and an empty queue send it on at once; otherwise it is
 * parked (music on hold), ranked, announced, and offered as soon as an agent is free.
 */
export async function enqueue(
  ctx: AcdContext,
  callId: string,
  queueId: string,
  priority: CallPriority,
  hops = 0,
): Promise<void> {
  const queue = runtimeOf(ctx, queueId);
  const { config } = queue;
  const now = ctx.clock.now();
  if (hops > MAX_HOPS) {
    ctx.log.warn({ callId, queueId }, 'overflow loop: the caller is ended');
    await ctx.engine.end(callId, 'rejected');
    return;
  }
  if (ctx.waiting.has(callId)) {
    throw new SwitchboardError('DUPLICATE', `Call ${callId} is waiting in a queue already.`, { callId });
  }
  const call = await ctx.engine.get(callId);
  if (call.status !== 'queued' || call.queueId !== queueId) await ctx.engine.enqueue(callId, queueId);

  rollInterval(queue.counters, now, ctx.options.intervalMs);
  queue.counters.entered++;
  const waiting: WaitingCall = {
    callId,
    queueId,
    priority,
    enteredAt: now,
    offers: new Map(),
    missedBy: new Set(),
    timer: undefined,
    retry: undefined,
    failures: 0,
    order: order++,
    rank: rankOf(priority, now, config.agingMs),
    announced: 0,
  };
  queue.waiting.add(waiting);
  ctx.waiting.set(callId, waiting);
  const position = queue.waiting.position(callId);
  const { loggedIn } = queue;
  waiting.announced = position;
  await ctx.notifier.queueEntered({ ...placeOf(queue, waiting, position, loggedIn), priority });
  await speakPlace(ctx, callId, position, estimateWaitMs(queue, position, loggedIn));
  // A caller ranked ahead of others (a higher priority) pushes them back: they hear about it.
  await announceFrom(ctx, queue, position, loggedIn);

  if (config.businessHours && config.closedAction && !isOpen(config.businessHours, now)) {
    return leave(ctx, waiting, 'closed', config.closedAction, hops);
  }
  if (config.whenNoAgents === 'overflow' && config.overflow && queue.loggedIn === 0) {
    return leave(ctx, waiting, 'no_agents', config.overflow, hops);
  }
  if (config.maxWaitMs !== undefined && config.overflow) {
    const exit = config.overflow;
    waiting.timer = ctx.clock.setTimer(config.maxWaitMs, () =>
      ctx.schedule(async () => {
        if (ctx.waiting.get(callId) === waiting) await leave(ctx, waiting, 'overflow', exit, hops);
      }),
    );
  }
  await dispatch(ctx, queueId);
}

/** Callers told their new place at once when they move; further back, the periodic update tells them. */
const POSITION_UPDATES = 20;

function placeOf(queue: QueueRuntime, call: WaitingCall, position: number, loggedIn: number) {
  return {
    queueId: queue.config.id,
    callId: call.callId,
    position,
    estimatedWaitMs: estimateWaitMs(queue, position, loggedIn),
  };
}

async function announce(
  ctx: AcdContext,
  queue: QueueRuntime,
  call: WaitingCall,
  position: number,
  loggedIn: number,
): Promise<void> {
  call.announced = position;
  await ctx.notifier.queuePosition(placeOf(queue, call, position, loggedIn));
}

/** Callers from 0-based `index` on have moved: the first {@link POSITION_UPDATES} hear it now. */
async function announceFrom(
  ctx: AcdContext,
  queue: QueueRuntime,
  index: number,
  loggedIn: number,
): Promise<void> {
  const calls = queue.waiting.all();
  const end = Math.min(calls.length, index + POSITION_UPDATES);
  for (let i = index; i < end; i++) await announce(ctx, queue, calls[i]!, i + 1, loggedIn);
}

/** The periodic update: every caller whose place changed since they were last told hears it. */
export async function refreshPositions(ctx: AcdContext, queue: QueueRuntime): Promise<void> {
  const calls = queue.waiting.all();
  for (let i = 0; i < calls.length; i++) {
    const call = calls[i]!;
    if (call.announced !== i + 1) await announce(ctx, queue, call, i + 1, queue.loggedIn);
    // Like a PBX's periodic announcement, every waiting caller hears where they stand.
    await speakPlace(ctx, call.callId, i + 1, estimateWaitMs(queue, i + 1, queue.loggedIn));
  }
}

/**
 * Tells the caller their place as a prompt. Best effort: a driver that cannot play, or a call with
 * nobody on the line yet (an emergency waiting for its dispatcher), simply hears nothing.
 */
async function speakPlace(ctx: AcdContext, callId: string, position: number, waitMs: number): Promise<void> {
  if (!ctx.options.announce) return;
  const minutes = Math.max(1, Math.round(waitMs / 60_000));
  const text = `You are caller number ${position}. Your estimated wait is about ${minutes} minute${minutes === 1 ? '' : 's'}.`;
  await ctx.engine.play(callId, text).catch(() => undefined);
}

/**
 * Offers waiting callers of a queue to its free members, best caller first, until one or the other
 * runs out. Each offer reserves exactly the agents it rings. Every turn of the loop either makes an
 * offer or takes its caller out of turn (dropped when its call is gone, backed off otherwise), so the
 * loop ends after at most one turn per waiting caller.
 */
export async function dispatch(ctx: AcdContext, queueId: string): Promise<void> {
  const queue = ctx.queues.get(queueId);
  if (!queue) return;
  for (;;) {
    const next = queue.waiting.nextToOffer();
    if (!next) return;
    // Free members (choose takes them from the queue's free set), all reserved in the same step.
    const chosen = choose(ctx, queue, next);
    if (chosen.length === 0) return;
    // The phones ring while the reservations commit: their events are already ahead in the stream.
    // Both are waited for even when one fails, so that nothing of this turn runs on after it.
    const [reserving, offering] = await Promise.allSettled([
      moveAgents(ctx, chosen, 'reserve', { callId: next.callId }),
      offerToAll(ctx, queue, next, chosen),
    ]);
    if (reserving.status === 'rejected') throw reserving.reason;
    if (offering.status === 'rejected') throw offering.reason;
  }
}

function choose(ctx: AcdContext, queue: QueueRuntime, call: WaitingCall): readonly LiveAgent[] {
  if (queue.free.size === 0) return [];
  // The free members (an index, not a scan of the members), in the configured member order.
  const order = queue.memberIndex;
  const free = [...queue.free].sort(
    (a, b) => (order.get(a.profile.id) ?? 0) - (order.get(b.profile.id) ?? 0),
  );
  const pick = (candidates: readonly LiveAgent[]) =>
    candidates.length === 0
      ? []
      : STRATEGIES[queue.config.strategy](candidates, {
          queue: queue.config,
          memory: queue.memory,
          memberIndex: order,
          random: ctx.options.random,
        });
  const fresh = call.missedBy.size === 0 ? free : free.filter((a) => !call.missedBy.has(a.profile.id));
  const chosen = pick(fresh);
  if (chosen.length > 0 || fresh.length === free.length) return chosen;
  // Everyone free who could take this caller has missed it once (for `skills`, the others are not
  // qualified): start another round rather than leave the caller waiting while they are free.
  call.missedBy.clear();
  return pick(free);
}

/**
 * Rings the reserved agents for one caller, all at once; a caller none of them could be offered
 * leaves its turn.
 */
async function offerToAll(
  ctx: AcdContext,
  queue: QueueRuntime,
  call: WaitingCall,
  agents: readonly LiveAgent[],
): Promise<void> {
  ctx.distribution.attempts++;
  const results = await ctx.engine.offerAll(
    call.callId,
    agents.map((agent) => ({
      agentId: agent.profile.id,
      endpoint: agent.profile.endpoint,
      timeoutMs: queue.config.offerTimeoutMs,
    })),
  );
  const failed: Array<readonly [LiveAgent, unknown]> = [];
  agents.forEach((agent, i) => {
    const result = results[i]!;
    if ('legId' in result) keepOffer(call, agent, result.legId);
    else failed.push([agent, result.error]);
  });
  let refused = false;
  for (const [agent, error] of failed) {
    ctx.distribution.failures++;
    const outcome = await offerFailed(ctx, call, agent, error);
    if (outcome === 'refused') {
      refused = true;
      continue;
    }
    // The call is gone: it leaves its queue now, not when its end arrives.
    await releaseAll(ctx, agents, call.callId);
    await leaveEnded(ctx, call, outcome.endReason);
    ctx.distribution.dropped++;
    return;
  }
  if (refused && call.offers.size === 0) backOff(ctx, call);
  else if (call.offers.size > 0) call.failures = 0;
}

/** An offer the engine made: kept while it rings (its outcome may already be known: a refused dial). */
function keepOffer(call: WaitingCall, agent: LiveAgent, legId: string): void {
  if (agent.state === 'reserved' && agent.callId === call.callId && agent.offerLegId === undefined) {
    agent.offerLegId = legId;
    call.offers.set(legId, agent.profile.id);
  }
}

/** Why an offer could not be made: the call is gone, or the agent is skipped for this caller for now. */
async function offerFailed(
  ctx: AcdContext,
  call: WaitingCall,
  agent: LiveAgent,
  error: unknown,
): Promise<'refused' | Gone> {
  ctx.log.warn({ err: error, callId: call.callId, agentId: agent.profile.id }, 'offer could not be made');
  await releaseAll(ctx, [agent], call.callId);
  const gone = await endOf(ctx, call.callId);
  if (gone) return gone;
  // A call in the wrong state for an offer is no fault of the agent; anything else (their endpoint) is.
  if ((error as { code?: string }).code === 'INVALID_STATE') call.missedBy.add(agent.profile.id);
  else await missed(ctx, agent, call);
  return 'refused';
}

/** A call that ended while its caller waited for an offer, and why (when known). */
type Gone = { readonly gone: true; readonly endReason?: EndReason };

/** Whether the call has ended (its end event may still be on its way to the ACD), and why. */
async function endOf(ctx: AcdContext, callId: string): Promise<Gone | undefined> {
  try {
    const call = await ctx.engine.get(callId);
    if (!isFinal(call.status)) return undefined;
    return call.endReason === undefined ? { gone: true } : { gone: true, endReason: call.endReason };
  } catch (error) {
    if ((error as { code?: string }).code === 'CALL_NOT_FOUND') return { gone: true };
    // Unknown (the store did not answer): treated as live, so the caller backs off rather than vanish.
    ctx.log.warn({ err: error, callId }, 'could not tell whether the call has ended');
    return undefined;
  }
}

/** Agents still reserved for the call with no offer ringing become free, and are tried for other queues. */
async function releaseAll(ctx: AcdContext, agents: readonly LiveAgent[], callId: string): Promise<void> {
  for (const agent of agents) {
    if (agent.state !== 'reserved' || agent.callId !== callId || agent.offerLegId !== undefined) continue;
    await moveAgent(ctx, agent, 'offer_failed');
    // Later in the lane, not from inside this dispatch: a failure never recurses into another.
    ctx.schedule(async () => {
      if (agent.state === 'available') await dispatchFor(ctx, agent);
    });
  }
}

/** Back-off after offers that failed for a live caller: 1 s, doubling, at most 30 s. */
const OFFER_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 30_000, jitter: 'none' };

/** The caller sits out its turn for a while (the Clock's), so a persistent failure is not a hot loop. */
function backOff(ctx: AcdContext, call: WaitingCall): void {
  call.failures++;
  const delay = backoffDelay(OFFER_BACKOFF, call.failures - 1);
  ctx.distribution.backoffs++;
  call.retry = ctx.clock.setTimer(delay, () =>
    ctx.schedule(async () => {
      if (ctx.waiting.get(call.callId) !== call) return;
      call.retry = undefined;
      await dispatch(ctx, call.queueId);
    }),
  );
}

/** A waiting caller whose call ended leaves its queue: given up, or lost with the server or network. */
export async function leaveEnded(ctx: AcdContext, call: WaitingCall, endReason?: EndReason): Promise<void> {
  const lost = endReason === 'server_restart' || endReason === 'network_error';
  await leave(ctx, call, lost ? 'ended' : 'abandoned');
}

/** An offer stopped ringing without an answer: the agent is released, the caller waits at its place. */
export async function offerEnded(
  ctx: AcdContext,
  callId: string,
  legId: string,
  agentId: string,
  reason: EndReason,
): Promise<void> {
  const call = ctx.waiting.get(callId);
  call?.offers.delete(legId);
  const agent = ctx.agents.get(agentId);
  // Only this offer's end frees the agent (not a late end of an earlier offer of the same call).
  const theirs = agent?.offerLegId === undefined || agent.offerLegId === legId;
  if (agent && agent.state === 'reserved' && agent.callId === callId && theirs) {
    await moveAgent(ctx, agent, 'offer_failed');
    if (MISSES.has(reason)) await missed(ctx, agent, call);
  }
  if (call) await dispatch(ctx, call.queueId);
  if (agent?.state === 'available') await dispatchFor(ctx, agent);
}

/** A free agent missed a caller: skipped for it this round, and paused after too many misses in a row. */
async function missed(ctx: AcdContext, agent: LiveAgent, call: WaitingCall | undefined): Promise<void> {
  agent.missedOffers++;
  call?.missedBy.add(agent.profile.id);
  if (agent.missedOffers >= ctx.options.maxMissedOffers && agent.state === 'available') {
    await moveAgent(ctx, agent, 'pause', { reason: 'no_answer' });
  }
}

/** An agent became free: the queues they serve are tried, the one with the most urgent caller first. */
export async function dispatchFor(ctx: AcdContext, agent: LiveAgent): Promise<void> {
  const queues = [...agent.queues]
    .map((id) => ctx.queues.get(id))
    .filter((q): q is QueueRuntime => q !== undefined && q.waiting.nextToOffer() !== undefined)
    .sort((a, b) => compareHeads(a.waiting.nextToOffer()!, b.waiting.nextToOffer()!));
  for (const queue of queues) {
    if (agent.state !== 'available') return;
    await dispatch(ctx, queue.config.id);
  }
}

function compareHeads(a: WaitingCall, b: WaitingCall): number {
  if (a.rank !== b.rank) return a.rank > b.rank ? -1 : 1;
  return a.enteredAt - b.enteredAt;
}

/** Takes a caller out of its queue's list and reports it; `exit`, if given, says where it goes next. */
export async function leave(
  ctx: AcdContext,
  call: WaitingCall,
  reason: LeaveReason,
  exit?: QueueExit,
  hops = 0,
): Promise<void> {
  const queue = ctx.queues.get(call.queueId);
  if (!queue || ctx.waiting.get(call.callId) !== call) return;
  const index = queue.waiting.position(call.callId) - 1;
  queue.waiting.remove(call.callId);
  ctx.waiting.delete(call.callId);
  if (call.timer) ctx.clock.clearTimer(call.timer);
  if (call.retry) ctx.clock.clearTimer(call.retry);
  const now = ctx.clock.now();
  rollInterval(queue.counters, now, ctx.options.intervalMs);
  if (reason === 'abandoned') queue.counters.abandoned++;
  if (reason === 'overflow' || reason === 'closed' || reason === 'no_agents') queue.counters.overflowed++;
  if (reason === 'answered') {
    const waited = now - call.enteredAt;
    queue.counters.answered++;
    queue.counters.totalWaitMs += waited;
    if (waited <= queue.config.serviceLevelMs) queue.counters.answeredInTime++;
  }
  await ctx.notifier.queueLeft({
    queueId: call.queueId,
    callId: call.callId,
    reason,
    waitedMs: now - call.enteredAt,
  });
  // Callers behind move up; the first few hear about it (further back, the next periodic update does).
  if (index < queue.waiting.size) await announceFrom(ctx, queue, index, queue.loggedIn);
  if (exit) {
    for (const legId of call.offers.keys()) await ctx.engine.withdrawOffer(call.callId, legId);
    await sendOn(ctx, call, exit, hops);
  }
}

async function sendOn(ctx: AcdContext, call: WaitingCall, exit: QueueExit, hops: number): Promise<void> {
  try {
    if (exit.kind === 'queue') await enqueue(ctx, call.callId, exit.queueId, call.priority, hops + 1);
    else if (exit.kind === 'number') await ctx.engine.transfer(call.callId, exit.to, { onlyIfWaiting: true });
    else await ctx.engine.end(call.callId, exit.reason, { onlyIfWaiting: true });
  } catch (error) {
    // Taken by an agent (or ended) in the same instant: its own events settle it; never tear it down.
    if (
      (error as { code?: string }).code === 'INVALID_STATE' ||
      (error as { code?: string }).code === 'CALL_NOT_FOUND'
    ) {
      return;
    }
    ctx.log.error({ err: error, callId: call.callId, exit }, 'sending a caller on failed; ending the call');
    await ctx.engine.end(call.callId, 'normal', { onlyIfWaiting: true }).catch(() => undefined);
  }
}
