import { describe, expect, it } from 'vitest';
import { nextCallingTime, withinHours } from '../../../src/apps/campaigns/calling-hours.ts';
import { checkContacts, readCsv, readJsonContacts } from '../../../src/apps/campaigns/contacts-import.ts';
import { AbandonGovernor, linesToDial, type PredictiveMeasures } from '../../../src/apps/campaigns/pacing.ts';
import { singleZoneOf } from '../../../src/apps/campaigns/time-zones.ts';
import { PartyDraws } from '../../../src/telephony/sim/distributions.ts';

const hours = { start: '08:00', end: '21:00' };

describe('calling hours in the contact’s local time', () => {
  it('tells inside from outside per zone and finds the next opening', () => {
    const at = Date.UTC(2026, 0, 5, 9, 0); // 09:00Z: 10:00 Paris, 04:00 New York, 14:30 Kolkata
    expect(withinHours(hours, 'Europe/Paris', at)).toBe(true);
    expect(withinHours(hours, 'America/New_York', at)).toBe(false);
    expect(withinHours(hours, 'Asia/Kolkata', at)).toBe(true);
    expect(new Date(nextCallingTime(hours, 'America/New_York', at)).toISOString()).toBe(
      '2026-01-05T13:00:00.000Z',
    );
    // 21:00 is closed; the next opening is 08:00 the next day.
    const ninePm = Date.UTC(2026, 0, 5, 20, 0); // 21:00 Paris
    expect(withinHours(hours, 'Europe/Paris', ninePm)).toBe(false);
    expect(new Date(nextCallingTime(hours, 'Europe/Paris', ninePm)).toISOString()).toBe(
      '2026-01-06T07:00:00.000Z',
    );
  });

  it('keeps 08:00 local across a daylight-saving change', () => {
    const saturdayNight = Date.UTC(2026, 2, 28, 23, 0); // the night Paris moves to +02:00
    expect(new Date(nextCallingTime(hours, 'Europe/Paris', saturdayNight)).toISOString()).toBe(
      '2026-03-29T06:00:00.000Z',
    );
  });
});

describe('time zone from the number’s country', () => {
  it('takes the one zone a country has, and none where several fit', () => {
    expect(singleZoneOf('FR')).toBe('Europe/Paris');
    expect(singleZoneOf('DE')).toBe('Europe/Berlin');
    expect(singleZoneOf('IN')).toBe('Asia/Kolkata');
    expect(singleZoneOf('US')).toBeUndefined();
  });
});

describe('contact import', () => {
  it('reports each bad row by line with its code, and infers zones', () => {
    const csv = [
      'phoneNumber,name,timezone,accountId',
      '+33142685300,Amélie,,A-1',
      'not-a-number,Bob,,A-2',
      '+33142685300,Again,,A-3',
      '+14155550123,Cara,Mars/Olympus,A-4',
      '+14155550124,Dan,,A-5',
      '',
      '+919876543210,Esha,,A-6',
    ].join('\n');
    const { valid, errors } = checkContacts(readCsv(csv), 'America/Chicago');
    expect(errors).toEqual([
      { row: 3, code: 'INVALID_PHONE_NUMBER', message: expect.stringContaining('E.164') },
      { row: 4, code: 'DUPLICATE', message: expect.any(String) },
      { row: 5, code: 'VALIDATION_ERROR', message: expect.stringContaining('Mars/Olympus') },
    ]);
    expect(valid.map((c) => [c.row, c.phoneNumber, c.timezone, c.fields.accountId])).toEqual([
      [2, '+33142685300', 'Europe/Paris', 'A-1'],
      [6, '+14155550124', 'America/Chicago', 'A-5'],
      [8, '+919876543210', 'Asia/Kolkata', 'A-6'],
    ]);
  });

  it('numbers JSON contacts from 1 and refuses odd fields', () => {
    const raw = readJsonContacts([
      { phoneNumber: '+33142685300', tier: 2 },
      'x',
      { phoneNumber: '+33142685301', deep: { a: 1 } },
    ]);
    const { valid, errors } = checkContacts(raw, 'UTC');
    expect(valid).toHaveLength(1);
    expect(errors.map((e) => [e.row, e.code])).toEqual([
      [2, 'VALIDATION_ERROR'],
      [3, 'VALIDATION_ERROR'],
    ]);
  });
});

describe('pacing', () => {
  const measures = (extra: Partial<PredictiveMeasures> = {}): PredictiveMeasures => ({
    answerRate: 0.5,
    timeToAnswerMs: 5000,
    handleTimeMs: 60_000,
    ratio: 1,
    budget: 10,
    ...extra,
  });
  it('progressive and preview never dial more than free agents less the lines out', () => {
    for (const mode of ['progressive', 'preview'] as const) {
      expect(linesToDial({ mode, freeAgents: 3, busyAgents: 10, pending: 1, room: 100 })).toBe(2);
      expect(linesToDial({ mode, freeAgents: 1, busyAgents: 0, pending: 4, room: 100 })).toBe(0);
    }
  });
  it('predictive dials ahead by the answer rate, within the room, and like progressive over the limit', () => {
    const input = { mode: 'predictive' as const, freeAgents: 4, busyAgents: 12, pending: 0, room: 100 };
    expect(linesToDial(input, measures())).toBe(10); // (4 + 12*5/60) / 0.5
    expect(linesToDial({ ...input, room: 6 }, measures())).toBe(6);
    // No abandon affordable: one line per free agent; two: two lines more.
    expect(linesToDial(input, measures({ budget: 0.5 }))).toBe(4);
    expect(linesToDial(input, measures({ budget: 2 }))).toBe(6);
    expect(linesToDial({ ...input, pending: 3 }, measures({ ratio: 0.5 }))).toBe(2);
  });
  it('the governor lowers the ratio on abandons and affords abandons only within the maximum rate', () => {
    const governor = new AbandonGovernor({ maxAbandonRate: 0.03, initialRatio: 1.2 });
    expect(governor.budget).toBe(0);
    for (let i = 0; i < 100; i++) governor.observe(false);
    const raised = governor.ratio;
    expect(raised).toBeGreaterThan(1.2);
    governor.observe(true);
    expect(governor.ratio).toBeLessThan(raised);
    expect(governor.budget).toBeCloseTo(0.03 * 101 - 1); // 2 more affordable
    governor.observe(true);
    governor.observe(true);
    expect(governor.budget).toBeLessThan(1); // 3 of 103: one more would pass 3%
  });
});

describe('simulator party distributions', () => {
  it('draw the same behaviour from the same seed, at about the answer rate asked', () => {
    const spec = {
      seed: 9,
      answerRate: 0.5,
      otherwise: 'busy' as const,
      answerAfterMs: { min: 2000, max: 8000 },
      talkMs: { mean: 60_000, min: 10_000 },
    };
    const a = new PartyDraws(spec);
    const b = new PartyDraws(spec);
    const draws = Array.from({ length: 2000 }, () => a.next());
    expect(Array.from({ length: 2000 }, () => b.next())).toEqual(draws);
    const answered = draws.filter((d) => d.outcome === 'answer');
    expect(answered.length / draws.length).toBeGreaterThan(0.45);
    expect(answered.length / draws.length).toBeLessThan(0.55);
    expect(draws.filter((d) => d.outcome !== 'answer').every((d) => d.outcome === 'busy')).toBe(true);
    for (const d of answered) {
      expect(d.answerAfterMs).toBeGreaterThanOrEqual(2000);
      expect(d.answerAfterMs).toBeLessThanOrEqual(8000);
      expect(d.hangupAfterMs).toBeGreaterThanOrEqual(10_000);
    }
    const meanTalk = answered.reduce((sum, d) => sum + (d.hangupAfterMs ?? 0), 0) / answered.length;
    expect(meanTalk).toBeGreaterThan(54_000);
    expect(meanTalk).toBeLessThan(66_000);
    expect(new PartyDraws({ ...spec, seed: 10 }).next()).not.toEqual(draws[0]);
  });
});
