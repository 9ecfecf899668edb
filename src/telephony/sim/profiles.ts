import { z } from 'zod';
import { distributionSchema, type PartyDistribution, PartyDraws } from './distributions.ts';

/**
 * How the simulator's remote parties behave. A rule matches an address (exactly, or by a prefix
 * ending in `*`) and gives the party there a profile: when it answers or why it fails, how long it
 * talks, and which DTMF it sends.
 */

export const PARTY_OUTCOMES = [
  'answer',
  'busy',
  'rejected',
  'unreachable',
  'invalid_number',
  'network_error',
] as const;
export type PartyOutcome = (typeof PARTY_OUTCOMES)[number];

/** Outcomes that fail a dialled channel before it ever rings. */
export const FAILS_WITHOUT_RINGING: ReadonlySet<PartyOutcome> = new Set([
  'busy',
  'invalid_number',
  'unreachable',
  'network_error',
]);

/** Digits a party presses after answering, one at a time through the clock. */
export interface DtmfScript {
  digits: string;
  /** ms after answer until the first digit is reported; default 1000. */
  afterMs?: number;
  /** ms between one digit's report and the next; default 250. */
  interDigitMs?: number;
  /** The tone length each digit reports (`channel.dtmf` `durationMs`); default 100. */
  durationMs?: number;
}

export interface PartyProfile {
  /** ms until the party answers; null = never answers (rings until the originate timeout or hang-up). */
  answerAfterMs?: number | null;
  /**
   * What happens instead of answering: 'busy' | 'rejected' | 'unreachable' | 'invalid_number' fail the
   * channel after `failAfterMs` (default 0 for invalid_number/unreachable, 1000 for busy/rejected) with
   * that hangup cause; 'network_error' is the provider failing (default after 0 ms, without ringing).
   * 'answer' (default) answers after answerAfterMs.
   */
  outcome?: PartyOutcome;
  failAfterMs?: number;
  /** ms of talk after which the party hangs up (cause normal); null = never. */
  hangupAfterMs?: number | null;
  /** DTMF the party sends after answering (also for inbound callers once answered). */
  dtmf?: DtmfScript;
  /** Seeded random answer rate, answer delay and talk time per call (see distributions.ts). */
  distribution?: PartyDistribution;
}

/**
 * `match`: an exact address ('+15551234567', 'PJSIP/1001', 'dispatcher-001') or a prefix pattern
 * ending in '*' ('+1555*', 'sim/*', '*'). Most specific wins: exact, then longest prefix; later rules
 * with the same match replace earlier ones. Fields a profile leaves out take the default for the kind
 * of address (number or endpoint); rules never merge with each other.
 */
export interface ProfileRule {
  match: string;
  profile: PartyProfile;
}

/** Numbers (Address.kind 'number'): answer after 3000 ms, hang up after 30000 ms of talk. */
export const DEFAULT_NUMBER_PROFILE: Readonly<PartyProfile> = Object.freeze({
  answerAfterMs: 3_000,
  outcome: 'answer',
  hangupAfterMs: 30_000,
});

/** Endpoints (agents' own phones): answer after 0 ms (click-to-dial auto-answer), never hang up by themselves. */
export const DEFAULT_ENDPOINT_PROFILE: Readonly<PartyProfile> = Object.freeze({
  answerAfterMs: 0,
  outcome: 'answer',
  hangupAfterMs: null,
});

export type AddressKind = 'number' | 'endpoint';

/** A profile with every field decided; one object is shared by every channel it governs. */
export interface ResolvedProfile {
  readonly answerAfterMs: number | null;
  readonly outcome: PartyOutcome;
  readonly failAfterMs: number;
  readonly hangupAfterMs: number | null;
  readonly dtmf: Readonly<Required<DtmfScript>> | undefined;
}

const ms = () =>
  z
    .number({ error: 'must be a number of milliseconds' })
    .nonnegative({ error: 'must be 0 or more milliseconds' });

const DTMF_DIGITS = /^[0-9*#A-D]+$/;

const dtmfScriptSchema = z.strictObject({
  digits: z
    .string({ error: 'must be a string of digits such as "12#"' })
    .regex(DTMF_DIGITS, { error: 'may only contain 0-9, *, # and A-D' }),
  afterMs: ms().optional(),
  interDigitMs: ms().optional(),
  durationMs: ms().optional(),
});

/** A party profile as accepted from files and the API (zod). */
export const partyProfileSchema = z.strictObject({
  answerAfterMs: ms().nullable().optional(),
  outcome: z.enum(PARTY_OUTCOMES, { error: `must be one of ${PARTY_OUTCOMES.join(', ')}` }).optional(),
  failAfterMs: ms().optional(),
  hangupAfterMs: ms().nullable().optional(),
  dtmf: dtmfScriptSchema.optional(),
  distribution: distributionSchema().optional(),
});

/** A rule's `match` (zod): an address, or a prefix ending in a single `*`. */
export const matchSchema = z
  .string({ error: 'must be a string: an address, or a prefix ending in *' })
  .min(1, { error: 'must not be empty; use "*" to match every address' })
  .refine((m) => !m.slice(0, -1).includes('*'), {
    error: '* may only end a match pattern ("+1555*"), not appear inside it',
  });

/** A rule in the API's shape `{ match, profile }` (zod). */
export const profileRuleSchema = z.strictObject({ match: matchSchema, profile: partyProfileSchema });

/** A rule as written in a profiles file: `{ match, ...profile fields }` (zod). */
export const flatProfileRuleSchema = partyProfileSchema.extend({ match: matchSchema });

const PROFILE_FIELDS = `match, ${Object.keys(partyProfileSchema.shape).join(', ')}`;
const DTMF_FIELDS = Object.keys(dtmfScriptSchema.shape).join(', ');

/** One problem found in profile rules; `path` is relative to the document, `line` is 1-based if known. */
export interface ProfileIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
  readonly line?: number;
}

/** Profile rules that could not be read; the message lists every problem and where it is. */
export class ProfileError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly ProfileIssue[],
    message: string,
  ) {
    super(message);
    this.name = 'ProfileError';
  }
}

/** Finds the line of a path in the source document, for error messages; undefined if unknown. */
export type LineLocator = (path: readonly (string | number)[]) => number | undefined;

/**
 * Reads rules from parsed data: a list of `{match, ...profile fields}` (or `{match, profile}`), or
 * `{profiles: [...]}`. Throws {@link ProfileError} naming `source`, the entry and the field.
 */
export function parseProfileRules(data: unknown, source: string, locate?: LineLocator): ProfileRule[] {
  let list: unknown;
  let base: (string | number)[];
  if (data === null || data === undefined) return [];
  if (Array.isArray(data)) {
    list = data;
    base = [];
  } else if (isRecord(data) && Object.keys(data).length === 1 && 'profiles' in data) {
    list = data.profiles ?? [];
    base = ['profiles'];
  } else {
    const issue = { path: [], message: 'expected a list of profile rules, or { profiles: [...] }' };
    throw new ProfileError(source, [issue], `${where(source, locate?.([]))}: ${issue.message}`);
  }
  if (!Array.isArray(list)) {
    const issue = { path: base, message: 'profiles must be a list of rules' };
    throw new ProfileError(source, [issue], `${where(source, locate?.(base))}: ${issue.message}`);
  }

  const rules: ProfileRule[] = [];
  const issues: ProfileIssue[] = [];
  const lines: string[] = [];
  list.forEach((entry, index) => {
    const result = parseEntry(entry);
    if (result.success) {
      rules.push(result.data);
      return;
    }
    const match = isRecord(entry) && typeof entry.match === 'string' ? ` (match "${entry.match}")` : '';
    for (const raw of result.error.issues) {
      const field = fieldPath(raw);
      const path = [...base, index, ...field];
      const line = locate?.(path);
      issues.push(line === undefined ? { path, message: raw.message } : { path, message: raw.message, line });
      const fieldName = field.length ? field.join('.') : 'entry';
      lines.push(`${where(source, line)}: entry ${index + 1}${match}: ${fieldName}: ${describe(raw)}`);
    }
  });
  if (issues.length) {
    const head = issues.length === 1 ? '' : `${source}: ${issues.length} problems in profile rules\n  `;
    throw new ProfileError(source, issues, head + lines.join('\n  '));
  }
  return rules;
}

/** Validates one rule given in the API's shape `{match, profile}`; throws {@link ProfileError}. */
export function parseProfileRule(data: unknown, source: string): ProfileRule {
  const result = profileRuleSchema.safeParse(data, REPORT_INPUT);
  if (result.success) return result.data;
  const issues = result.error.issues.map((raw) => ({ path: fieldPath(raw), message: raw.message }));
  const text = result.error.issues.map((raw) => `${fieldPath(raw).join('.') || 'rule'}: ${describe(raw)}`);
  throw new ProfileError(source, issues, `${source}: ${text.join('; ')}`);
}

// Inputs in issues tell a missing field from a wrong one.
const REPORT_INPUT = { reportInput: true } as const;

function parseEntry(entry: unknown) {
  // Both shapes are accepted so that what listProfiles() returns can be written back to a file.
  if (isRecord(entry) && 'profile' in entry) return profileRuleSchema.safeParse(entry, REPORT_INPUT);
  const flat = flatProfileRuleSchema.safeParse(entry, REPORT_INPUT);
  if (!flat.success) return flat;
  const { match, ...profile } = flat.data;
  return { success: true as const, data: { match, profile } };
}

function fieldPath(issue: z.core.$ZodIssue): (string | number)[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  // Point at the unknown key itself, so the error names the field that is wrong.
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) return [...path, issue.keys[0]];
  return path;
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const inDtmf = issue.path[issue.path.length - 1] === 'dtmf';
    return inDtmf
      ? `unknown field; dtmf fields are ${DTMF_FIELDS}`
      : `unknown field; fields are ${PROFILE_FIELDS}`;
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is missing';
  return issue.message;
}

function where(source: string, line: number | undefined): string {
  return line === undefined ? source : `${source}:${line}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether an address should get the number defaults: E.164 or anything longer than an extension. */
export function addressKindOf(address: string): AddressKind {
  if (/^[0-9]{2,6}$/.test(address)) return 'endpoint';
  return /^\+?[0-9][0-9 ().-]*$/.test(address) ? 'number' : 'endpoint';
}

const DEFAULT_FAIL_AFTER_MS: Record<PartyOutcome, number> = {
  answer: 0,
  busy: 1_000,
  rejected: 1_000,
  unreachable: 0,
  invalid_number: 0,
  network_error: 0,
};

/** Fills a profile's missing fields from `defaults`; the result is frozen so it can be shared. */
export function resolveProfile(profile: PartyProfile, defaults: Readonly<PartyProfile>): ResolvedProfile {
  const pick = <K extends 'answerAfterMs' | 'hangupAfterMs'>(key: K) =>
    profile[key] !== undefined ? profile[key] : (defaults[key] ?? null);
  const outcome = profile.outcome ?? defaults.outcome ?? 'answer';
  const dtmf = profile.dtmf ?? defaults.dtmf;
  return Object.freeze({
    answerAfterMs: pick('answerAfterMs'),
    outcome,
    failAfterMs: profile.failAfterMs ?? DEFAULT_FAIL_AFTER_MS[outcome],
    hangupAfterMs: pick('hangupAfterMs'),
    dtmf: dtmf
      ? Object.freeze({
          digits: dtmf.digits,
          afterMs: dtmf.afterMs ?? 1_000,
          interDigitMs: dtmf.interDigitMs ?? 250,
          durationMs: dtmf.durationMs ?? 100,
        })
      : undefined,
  });
}

const RESOLVED_DEFAULTS: Readonly<Record<AddressKind, ResolvedProfile>> = {
  number: resolveProfile({}, DEFAULT_NUMBER_PROFILE),
  endpoint: resolveProfile({}, DEFAULT_ENDPOINT_PROFILE),
};

const DEFAULTS_BY_KIND: Readonly<Record<AddressKind, Readonly<PartyProfile>>> = {
  number: DEFAULT_NUMBER_PROFILE,
  endpoint: DEFAULT_ENDPOINT_PROFILE,
};

interface Entry {
  readonly rule: ProfileRule;
  /** The rule's profile completed per address kind, made on first use and shared by channels. */
  number?: ResolvedProfile;
  endpoint?: ResolvedProfile;
  /** The rule's seeded draws, when it has a distribution: each call draws its own behaviour. */
  draws?: PartyDraws;
}

/**
 * The rules in force and the matching between them and addresses. Lookups are a map hit for exact
 * rules and a scan of the prefix rules, longest first; rules are few, channels many.
 */
export class ProfileTable {
  private readonly entries = new Map<string, Entry>();
  private readonly exact = new Map<string, Entry>();
  private prefixes: Entry[] = [];

  constructor(rules: readonly ProfileRule[] = []) {
    for (const rule of rules) this.set(rule);
  }

  /** Adds a rule, replacing one with the same `match`. The rule must already be validated. */
  set(rule: ProfileRule): void {
    const entry: Entry = { rule: { match: rule.match, profile: structuredClone(rule.profile) } };
    this.entries.set(rule.match, entry);
    this.reindex();
  }

  /** Removes the rule with exactly this `match`; false if there was none. */
  remove(match: string): boolean {
    const removed = this.entries.delete(match);
    if (removed) this.reindex();
    return removed;
  }

  /** Replaces every rule. */
  replaceAll(rules: readonly ProfileRule[]): void {
    this.entries.clear();
    for (const rule of rules) this.entries.set(rule.match, { rule: structuredClone(rule) });
    this.reindex();
  }

  /** The rules in the order they were first set, as copies. */
  list(): ProfileRule[] {
    return [...this.entries.values()].map((e) => structuredClone(e.rule));
  }

  /** The complete profile for a party at `address` of the given kind. */
  resolve(address: string, kind: AddressKind): ResolvedProfile {
    const entry = this.find(address);
    if (!entry) return RESOLVED_DEFAULTS[kind];
    let resolved = entry[kind];
    if (!resolved) {
      resolved = resolveProfile(entry.rule.profile, DEFAULTS_BY_KIND[kind]);
      entry[kind] = resolved;
    }
    if (!entry.rule.profile.distribution) return resolved;
    entry.draws ??= new PartyDraws(entry.rule.profile.distribution);
    const draw = entry.draws.next();
    return Object.freeze({ ...resolved, ...draw, outcome: draw.outcome as PartyOutcome });
  }

  private find(address: string): Entry | undefined {
    const exact = this.exact.get(address);
    if (exact) return exact;
    for (const entry of this.prefixes) {
      if (address.startsWith(entry.rule.match.slice(0, -1))) return entry;
    }
    return undefined;
  }

  private reindex(): void {
    this.exact.clear();
    const prefixes: Entry[] = [];
    for (const entry of this.entries.values()) {
      if (entry.rule.match.endsWith('*')) prefixes.push(entry);
      else this.exact.set(entry.rule.match, entry);
    }
    // Stable sort: equal lengths cannot collide, since equal matches replace each other.
    this.prefixes = prefixes.sort((a, b) => b.rule.match.length - a.rule.match.length);
  }
}
