import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  AgentInput,
  AgentPatch,
  acdSchemas,
  applyAgentPatch,
  applyQueuePatch,
  InboundRouteInput,
  QueueInput,
  QueuePatch,
  validationError,
} from '../../../src/apps/acd/schemas.ts';
import type { AgentProfile } from '../../../src/core/agent.ts';
import type { QueueConfig } from '../../../src/core/queue.ts';
import type { InboundRoute } from '../../../src/core/routing.ts';

/** The issues of a failed parse as `path: message`, so a test can name the field it expects. */
function problems(schema: z.ZodType, input: unknown): string[] {
  const result = schema.safeParse(input);
  if (result.success) throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
  return result.error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? ` ${issue.keys.join(',')}` : '';
    return `${issue.path.join('.')}: ${issue.message}${keys}`;
  });
}

/** Expects exactly one problem, at `path`, whose message matches `message`. */
function rejects(schema: z.ZodType, input: unknown, path: string, message: RegExp | string = /./): void {
  const found = problems(schema, input);
  expect(found, JSON.stringify(found)).toHaveLength(1);
  expect(found[0]?.startsWith(`${path}: `), JSON.stringify(found)).toBe(true);
  expect(found[0]).toMatch(message);
}

describe('AgentInput', () => {
  const minimal = { id: 'dispatcher-001', name: 'Alice', endpoint: 'PJSIP/1001' };

  it('fills in defaults', () => {
    const agent: AgentProfile = AgentInput.parse(minimal);
    expect(agent).toStrictEqual({ ...minimal, skills: {}, teams: [], roles: ['agent'] });
  });

  it('keeps a full agent and writes numbers in E.164', () => {
    const agent = AgentInput.parse({
      id: 'sup.7',
      name: '  Bob Smith ',
      endpoint: '(212) 555-0123',
      skills: { german: 1, dispatch: 10 },
      teams: ['north', 'night-shift'],
      roles: ['dispatcher', 'supervisor'],
    });
    expect(agent).toStrictEqual({
      id: 'sup.7',
      name: 'Bob Smith',
      endpoint: '+12125550123',
      skills: { german: 1, dispatch: 10 },
      teams: ['north', 'night-shift'],
      roles: ['dispatcher', 'supervisor'],
    });
  });

  it('accepts every kind of endpoint the engine can ring', () => {
    for (const endpoint of ['PJSIP/1001', 'sim/desk-7', '1001', 'dispatcher-001', '+4930123456789']) {
      expect(AgentInput.parse({ ...minimal, endpoint }).endpoint).toBe(endpoint);
    }
  });

  it('reads national numbers in the configured default country', () => {
    const german = acdSchemas('DE');
    expect(german.AgentInput.parse({ ...minimal, endpoint: '030 1234567' }).endpoint).toBe('+49301234567');
    rejects(AgentInput, { ...minimal, endpoint: '030 1234567' }, 'endpoint', /not a valid phone number/);
  });

  it('rejects a bad id, name or endpoint, naming the field', () => {
    rejects(AgentInput, { ...minimal, id: '-x' }, 'id', /dispatcher-001/);
    rejects(AgentInput, { ...minimal, id: 'a b' }, 'id', /letters, digits/);
    rejects(AgentInput, { ...minimal, id: 'x'.repeat(65) }, 'id');
    rejects(AgentInput, { ...minimal, name: '   ' }, 'name', /required/);
    rejects(AgentInput, { ...minimal, endpoint: '+1 555' }, 'endpoint', /not a valid phone number.*E\.164/);
    rejects(AgentInput, { ...minimal, endpoint: 'not an endpoint!' }, 'endpoint', /neither a phone number/);
    rejects(AgentInput, { ...minimal, endpoint: '' }, 'endpoint', /required/);
    rejects(AgentInput, { name: 'A', endpoint: '1001' }, 'id');
  });

  it('rejects a skill level out of range, naming the skill', () => {
    rejects(
      AgentInput,
      { ...minimal, skills: { french: 11 } },
      'skills.french',
      /skill "french" has level 11; use 1 to 10/,
    );
    rejects(AgentInput, { ...minimal, skills: { french: 0 } }, 'skills.french', /skill "french"/);
    rejects(AgentInput, { ...minimal, skills: { french: 2.5 } }, 'skills.french', /whole number/);
    rejects(AgentInput, { ...minimal, skills: { french: 11.5 } }, 'skills.french', /whole number/);
    rejects(
      AgentInput,
      { ...minimal, skills: { french: 'high' } },
      'skills.french',
      /skill "french" needs a level/,
    );
    rejects(AgentInput, { ...minimal, skills: { 'not ok': 3 } }, 'skills.not ok', /not a skill name/);
  });

  it('rejects unknown roles, repeated teams and unknown fields', () => {
    rejects(AgentInput, { ...minimal, roles: ['admin'] }, 'roles.0', /agent.*dispatcher.*supervisor/);
    rejects(AgentInput, { ...minimal, roles: [] }, 'roles', /at least one role/);
    rejects(AgentInput, { ...minimal, teams: ['north', 'north'] }, 'teams.1', /"north" is listed twice/);
    rejects(AgentInput, { ...minimal, skils: { french: 3 } }, '', /Unrecognized key.* skils/);
  });
});

describe('AgentPatch', () => {
  const current: AgentProfile = {
    id: 'dispatcher-001',
    name: 'Alice',
    endpoint: 'PJSIP/1001',
    skills: { german: 5 },
    teams: ['north'],
    roles: ['dispatcher'],
  };

  it('changes only what it names and adds no defaults', () => {
    const patch = AgentPatch.parse({ name: 'Alice B.', skills: { german: 6, french: 2 } });
    expect(patch).toStrictEqual({ name: 'Alice B.', skills: { german: 6, french: 2 } });
    expect(applyAgentPatch(current, patch)).toStrictEqual({
      ...current,
      name: 'Alice B.',
      skills: { german: 6, french: 2 },
    });
    expect(applyAgentPatch(current, AgentPatch.parse({}))).toStrictEqual(current);
  });

  it('refuses to change the id and checks fields as on create', () => {
    rejects(AgentPatch, { id: 'other' }, 'id', /cannot be changed/);
    rejects(AgentPatch, { skills: { german: 12 } }, 'skills.german', /skill "german"/);
    rejects(AgentPatch, { roles: ['boss'] }, 'roles.0');
    rejects(AgentPatch, { colour: 'red' }, '', /colour/);
  });
});

describe('QueueInput', () => {
  const minimal = { id: 'support', name: 'Support', strategy: 'longest_idle' };

  it('fills in defaults', () => {
    const queue: QueueConfig = QueueInput.parse(minimal);
    expect(queue).toStrictEqual({
      ...minimal,
      members: [],
      requiredSkills: {},
      offerTimeoutMs: 15_000,
      wrapUpMs: 0,
      whenNoAgents: 'wait',
      serviceLevelMs: 20_000,
      agingMs: 120_000,
    });
  });

  it('keeps a full queue, with numbers in E.164 and zones spelt canonically', () => {
    const queue = QueueInput.parse({
      ...minimal,
      strategy: 'skills',
      members: ['dispatcher-001', 'dispatcher-002'],
      requiredSkills: { german: 5 },
      offerTimeoutMs: 20_000,
      wrapUpMs: 30_000,
      maxWaitMs: 300_000,
      overflow: { kind: 'number', to: '+1 (212) 555-0199' },
      whenNoAgents: 'overflow',
      businessHours: {
        timeZone: 'europe/berlin',
        weekly: { mon: ['08:00-18:00'], fri: ['08:00-12:00', '22:00-06:00'], sun: ['00:00-24:00'] },
        holidays: ['2026-12-26', '2026-12-25', '2026-12-25'],
      },
      closedAction: { kind: 'queue', queueId: 'after-hours' },
      serviceLevelMs: 30_000,
      agingMs: 60_000,
    });
    expect(queue).toStrictEqual({
      ...minimal,
      strategy: 'skills',
      members: ['dispatcher-001', 'dispatcher-002'],
      requiredSkills: { german: 5 },
      offerTimeoutMs: 20_000,
      wrapUpMs: 30_000,
      maxWaitMs: 300_000,
      overflow: { kind: 'number', to: '+12125550199' },
      whenNoAgents: 'overflow',
      businessHours: {
        timeZone: 'Europe/Berlin',
        weekly: { mon: ['08:00-18:00'], fri: ['08:00-12:00', '22:00-06:00'], sun: ['00:00-24:00'] },
        holidays: ['2026-12-25', '2026-12-26'],
      },
      closedAction: { kind: 'queue', queueId: 'after-hours' },
      serviceLevelMs: 30_000,
      agingMs: 60_000,
    });
  });

  it('rejects an unknown strategy and timings out of range, naming the field', () => {
    rejects(QueueInput, { ...minimal, strategy: 'fastest' }, 'strategy', /ring_all.*random/);
    rejects(QueueInput, { ...minimal, offerTimeoutMs: 999 }, 'offerTimeoutMs', /from 1000 to 300000/);
    rejects(QueueInput, { ...minimal, offerTimeoutMs: 300_001 }, 'offerTimeoutMs', /from 1000 to 300000/);
    rejects(
      QueueInput,
      { ...minimal, offerTimeoutMs: '15s' },
      'offerTimeoutMs',
      /whole number of milliseconds/,
    );
    rejects(QueueInput, { ...minimal, wrapUpMs: -1 }, 'wrapUpMs', /from 0 to 3600000/);
    rejects(QueueInput, { ...minimal, offerTimeoutMs: 1.5 }, 'offerTimeoutMs', /whole number/);
    rejects(QueueInput, { ...minimal, wrapUpMs: 1.5 }, 'wrapUpMs', /whole number/);
    rejects(
      QueueInput,
      { ...minimal, requiredSkills: { german: 0 } },
      'requiredSkills.german',
      /skill "german"/,
    );
    rejects(QueueInput, { ...minimal, members: ['a', 'a'] }, 'members.1', /listed twice/);
    rejects(QueueInput, { ...minimal, priority: 'high' }, '', /priority/);
  });

  it('rejects a bad time zone, naming it', () => {
    const input = {
      ...minimal,
      businessHours: { timeZone: 'Mars/Olympus_Mons', weekly: { mon: ['08:00-18:00'] } },
      closedAction: { kind: 'hangup', reason: 'busy' },
    };
    rejects(
      QueueInput,
      input,
      'businessHours.timeZone',
      /unknown time zone "Mars\/Olympus_Mons".*Europe\/Berlin/,
    );
  });

  it('rejects bad opening hours and holidays, naming the day or date', () => {
    const hours = (weekly: unknown, holidays?: unknown) => ({
      ...minimal,
      businessHours: { timeZone: 'UTC', weekly, ...(holidays === undefined ? {} : { holidays }) },
      closedAction: { kind: 'hangup', reason: 'normal' },
    });
    rejects(QueueInput, hours({ mon: ['8-18'] }), 'businessHours.weekly.mon.0', /HH:mm-HH:mm/);
    rejects(
      QueueInput,
      hours({ tue: ['08:00-18:00', '09:00-09:00'] }),
      'businessHours.weekly.tue.1',
      /00:00-24:00/,
    );
    rejects(QueueInput, hours({ wed: ['24:00-06:00'] }), 'businessHours.weekly.wed.0', /starts at no time/);
    rejects(QueueInput, hours({ monday: ['08:00-18:00'] }), 'businessHours.weekly', /monday/);
    rejects(QueueInput, hours({}, ['2026-02-30']), 'businessHours.holidays.0', /"2026-02-30" is not a date/);
    rejects(QueueInput, hours({}, ['25.12.2026']), 'businessHours.holidays.0', /YYYY-MM-DD/);
  });

  it('requires overflow with maxWaitMs or whenNoAgents "overflow", and closedAction with hours', () => {
    rejects(QueueInput, { ...minimal, maxWaitMs: 60_000 }, 'overflow', /required with maxWaitMs/);
    rejects(QueueInput, { ...minimal, whenNoAgents: 'overflow' }, 'overflow', /required with whenNoAgents/);
    rejects(
      QueueInput,
      { ...minimal, businessHours: { timeZone: 'UTC', weekly: { mon: ['08:00-18:00'] } } },
      'closedAction',
      /required with businessHours/,
    );
    // Given, they are fine.
    expect(
      QueueInput.safeParse({ ...minimal, maxWaitMs: 60_000, overflow: { kind: 'hangup', reason: 'busy' } })
        .success,
    ).toBe(true);
  });

  it('rejects a bad exit, naming what is wrong in it', () => {
    const withOverflow = (overflow: unknown) => ({ ...minimal, maxWaitMs: 60_000, overflow });
    rejects(QueueInput, withOverflow({ kind: 'voicemail' }), 'overflow.kind', /"queue".*"number".*"hangup"/);
    rejects(QueueInput, withOverflow({ queueId: 'x' }), 'overflow.kind', /use kind/);
    rejects(
      QueueInput,
      withOverflow({ kind: 'number', to: '+1 555' }),
      'overflow.to',
      /not a valid phone number/,
    );
    rejects(QueueInput, withOverflow({ kind: 'hangup', reason: 'angry' }), 'overflow.reason', /normal/);
    rejects(QueueInput, withOverflow({ kind: 'queue', queueId: 'support' }), 'overflow.queueId', /itself/);
    rejects(QueueInput, withOverflow({ kind: 'queue', queueId: 'x', to: '1001' }), 'overflow', /to/);
  });
});

describe('QueuePatch', () => {
  const current: QueueConfig = QueueInput.parse({
    id: 'support',
    name: 'Support',
    strategy: 'ring_all',
    maxWaitMs: 60_000,
    overflow: { kind: 'queue', queueId: 'backup' },
  });

  it('changes what it names, and null removes an optional setting', () => {
    const patch = QueuePatch.parse({ wrapUpMs: 10_000, maxWaitMs: null });
    expect(patch).toStrictEqual({ wrapUpMs: 10_000, maxWaitMs: null });
    const patched = applyQueuePatch(current, patch);
    const { maxWaitMs: _removed, ...rest } = current;
    expect(patched).toStrictEqual({ ...rest, wrapUpMs: 10_000 });
    expect(patched.overflow).toEqual({ kind: 'queue', queueId: 'backup' });
  });

  it('checks the patched queue as a whole and names the field', () => {
    const dropOverflow = QueuePatch.parse({ overflow: null });
    expect(() => applyQueuePatch(current, dropOverflow)).toThrow(/body\.overflow: required with maxWaitMs/);
    try {
      applyQueuePatch(current, dropOverflow);
    } catch (error) {
      expect(error).toMatchObject({
        code: 'VALIDATION_ERROR',
        details: [{ in: 'body', path: 'overflow', problem: expect.stringContaining('required') }],
      });
    }
    const hoursOnly = QueuePatch.parse({ businessHours: { timeZone: 'UTC', weekly: {} } });
    expect(() => applyQueuePatch(current, hoursOnly)).toThrow(/closedAction/);
  });

  it('refuses to change the id and checks fields as on create', () => {
    rejects(QueuePatch, { id: 'other' }, 'id', /cannot be changed/);
    rejects(QueuePatch, { offerTimeoutMs: 10 }, 'offerTimeoutMs', /from 1000/);
    rejects(QueuePatch, { strategy: null }, 'strategy');
    rejects(
      QueuePatch,
      { businessHours: { timeZone: 'Atlantis', weekly: {} } },
      'businessHours.timeZone',
      /Atlantis/,
    );
  });
});

describe('InboundRouteInput', () => {
  it('fills in order and leaves the id to the caller', () => {
    const parsed = InboundRouteInput.parse({
      dialled: '*',
      destination: { kind: 'queue', queueId: 'support' },
    });
    expect(parsed).toStrictEqual({
      dialled: '*',
      order: 100,
      destination: { kind: 'queue', queueId: 'support' },
    });
    const route: InboundRoute = { ...parsed, id: 'generated' };
    expect(route.id).toBe('generated');
  });

  it('keeps prefixes as written and writes exact numbers in E.164', () => {
    const parsed = InboundRouteInput.parse({
      id: 'night',
      dialled: '+1 212 555 0100',
      caller: '+4917*',
      window: { timeZone: 'America/New_York', weekly: { sat: ['00:00-24:00'] } },
      order: 5,
      destination: { kind: 'number', to: '(212) 555-0199' },
    });
    expect(parsed).toStrictEqual({
      id: 'night',
      dialled: '+12125550100',
      caller: '+4917*',
      window: { timeZone: 'America/New_York', weekly: { sat: ['00:00-24:00'] } },
      order: 5,
      destination: { kind: 'number', to: '+12125550199' },
    });
    expect(
      InboundRouteInput.parse({ dialled: 'PJSIP/100', destination: { kind: 'agent', agentId: 'a' } }).dialled,
    ).toBe('PJSIP/100');
  });

  it('accepts every kind of destination', () => {
    for (const destination of [
      { kind: 'queue', queueId: 'q', priority: 'emergency' },
      { kind: 'agent', agentId: 'dispatcher-001' },
      { kind: 'ivr', flowId: 'main-menu' },
      { kind: 'number', to: '+12125550111' },
      { kind: 'hangup', reason: 'invalid_number' },
    ]) {
      expect(InboundRouteInput.parse({ dialled: '*', destination }).destination).toStrictEqual(destination);
    }
  });

  it('rejects bad patterns, windows and destinations, naming the field', () => {
    const route = { dialled: '*', destination: { kind: 'queue', queueId: 'q' } };
    rejects(InboundRouteInput, { ...route, dialled: '+1*555' }, 'dialled', /prefix ending in \*/);
    rejects(InboundRouteInput, { ...route, dialled: '' }, 'dialled', /prefix ending in \*/);
    rejects(
      InboundRouteInput,
      { ...route, dialled: '+1555' },
      'dialled',
      /not a valid phone number.*end it in \*/,
    );
    rejects(InboundRouteInput, { ...route, caller: '**' }, 'caller', /prefix/);
    rejects(InboundRouteInput, { ...route, order: -1 }, 'order', /from 0 to/);
    rejects(InboundRouteInput, { ...route, id: 'bad id' }, 'id', /letters, digits/);
    rejects(
      InboundRouteInput,
      { ...route, window: { timeZone: 'Nowhere', weekly: {} } },
      'window.timeZone',
      /unknown time zone "Nowhere"/,
    );
    rejects(
      InboundRouteInput,
      { ...route, window: { timeZone: 'UTC', weekly: {}, holidays: [] } },
      'window',
      /holidays/,
    );
    rejects(InboundRouteInput, { ...route, destination: { kind: 'voicemail' } }, 'destination.kind', /"ivr"/);
    rejects(
      InboundRouteInput,
      { ...route, destination: { kind: 'queue', queueId: 'q', priority: 'urgent' } },
      'destination.priority',
      /emergency/,
    );
    rejects(
      InboundRouteInput,
      { ...route, destination: { kind: 'hangup', reason: 'normal' } },
      'destination.reason',
    );
    rejects(InboundRouteInput, { dialled: '*' }, 'destination');
  });
});

describe('validationError', () => {
  it('lists every problem in the shared detail shape', () => {
    const result = QueueInput.safeParse({ id: 'q', name: '', strategy: 'x', extra: 1 });
    if (result.success) throw new Error('expected a failure');
    const error = validationError(result.error);
    expect(error).toMatchObject({ code: 'VALIDATION_ERROR', status: 400 });
    expect(error.details).toEqual(
      expect.arrayContaining([
        { in: 'body', path: 'extra', problem: 'unknown field' },
        { in: 'body', path: 'name', problem: expect.stringContaining('required') },
        { in: 'body', path: 'strategy', problem: expect.stringContaining('ring_all') },
      ]),
    );
    expect(error.message).toMatch(/^The request is malformed: .*body\.strategy: /);
  });
});
