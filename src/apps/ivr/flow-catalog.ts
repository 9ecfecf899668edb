import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Clock } from '../../core/clock.ts';
import { SwitchboardError } from '../../core/errors.ts';
import type { Log } from '../../core/log.ts';
import { KeyedSerialQueue } from '../../core/serial-queue.ts';
import type { FlowRepository, StoredFlow } from '../../store/types.ts';
import type { LoadedFlow } from './flow.ts';
import {
  checkFlow,
  checkFlowText,
  type FlowCheck,
  type FlowProblem,
  formatProblem,
} from './flow-validator.ts';

/** Problems listed in an error message; the rest are in its details. */
const PROBLEMS_IN_MESSAGE = 5;
const FLOW_FILES = new Set(['.yaml', '.yml', '.json']);

/** What loading a folder of flows did, file by file. */
export interface FolderReport {
  readonly loaded: readonly { readonly file: string; readonly id: string; readonly version: number }[];
  readonly refused: readonly { readonly file: string; readonly problems: readonly FlowProblem[] }[];
}

/**
 * The flows the IVR runs: stored versions in the store, the latest of each compiled and kept in
 * memory. Saving validates first (a broken flow is refused whole) and stores a new version only when
 * the flow changed, so reloading the same folder at every start adds nothing. A session holds the
 * version it started in; saving a new one never touches it.
 */
export class FlowCatalog {
  private readonly latest = new Map<string, LoadedFlow>();
  /** Saves of one flow run one at a time, so "changed?" and "add" see each other. */
  private readonly saving = new KeyedSerialQueue();

  constructor(
    private readonly repo: FlowRepository,
    private readonly clock: Clock,
    private readonly log: Log,
  ) {}

  /** Validates a flow (an object, or YAML/JSON text); VALIDATION_ERROR naming every problem's place. */
  check(body: unknown): Extract<FlowCheck, { ok: true }> {
    const check = typeof body === 'string' ? checkFlowText(body) : checkFlow(body);
    if (!check.ok) throw invalidFlow(check.problems);
    return check;
  }

  /** Stores a checked flow as its next version, unless it equals the latest; answers the version in force. */
  save(check: Extract<FlowCheck, { ok: true }>): Promise<{ flow: StoredFlow; created: boolean }> {
    const id = check.definition.id;
    return this.saving.run(id, async () => {
      const current = await this.repo.get(id);
      if (current && sameJson(current.definition, check.input)) {
        if (!this.latest.has(id) || this.latest.get(id)!.version !== current.version)
          this.remember(current, check);
        return { flow: current, created: false };
      }
      const stored = await this.repo.add({
        id,
        definition: check.input as Record<string, unknown>,
        createdAt: new Date(this.clock.now()).toISOString(),
      });
      this.remember(stored, check);
      return { flow: stored, created: true };
    });
  }

  /** The latest version of a flow, compiled; undefined when there is none (or it no longer validates). */
  async current(id: string): Promise<LoadedFlow | undefined> {
    const known = this.latest.get(id);
    if (known) return known;
    const stored = await this.repo.get(id);
    if (!stored) return undefined;
    const check = checkFlow(stored.definition);
    if (!check.ok) {
      this.log.error(
        { flowId: id, version: stored.version, problems: check.problems.map(formatProblem) },
        'a stored IVR flow no longer validates; calls to it are refused',
      );
      return undefined;
    }
    return this.remember(stored, check);
  }

  list(): Promise<StoredFlow[]> {
    return this.repo.list();
  }

  async get(id: string, version?: number): Promise<StoredFlow> {
    const flow = await this.repo.get(id, version);
    if (flow) return flow;
    throw new SwitchboardError(
      'FLOW_NOT_FOUND',
      version === undefined
        ? `No IVR flow has id "${id}"; GET /api/v1/ivr/flows lists them.`
        : `IVR flow "${id}" has no version ${version}; GET /api/v1/ivr/flows/${id}/versions lists them.`,
      { flowId: id, ...(version !== undefined && { version }) },
    );
  }

  async versions(id: string): Promise<Omit<StoredFlow, 'definition'>[]> {
    const versions = await this.repo.versions(id);
    if (versions.length === 0) await this.get(id);
    return versions;
  }

  /**
   * Loads every `.yaml`, `.yml` and `.json` file of a folder, in name order. A broken file is refused
   * and logged with its problems; the others load (a flow already stored unchanged keeps its version).
   */
  async loadFolder(dir: string): Promise<FolderReport> {
    const loaded: FolderReport['loaded'][number][] = [];
    const refused: FolderReport['refused'][number][] = [];
    const seen = new Map<string, string>();
    if (!existsSync(dir))
      throw new Error(`The IVR flows folder "${dir}" does not exist (SWITCHBOARD_FLOWS_DIR).`);
    const files = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && FLOW_FILES.has(extname(entry.name).toLowerCase()))
      .map((entry) => entry.name)
      .sort();
    for (const file of files) {
      const check = checkFlowText(readFileSync(join(dir, file), 'utf8'));
      if (!check.ok) {
        refused.push({ file, problems: check.problems });
        this.log.error(
          { file: join(dir, file), problems: check.problems.map(formatProblem) },
          'IVR flow refused',
        );
        continue;
      }
      const id = check.definition.id;
      const earlier = seen.get(id);
      if (earlier !== undefined) {
        const problems = [{ path: 'id', problem: `"${id}" is also the id of ${earlier}` }];
        refused.push({ file, problems });
        this.log.error({ file: join(dir, file), problems: problems.map(formatProblem) }, 'IVR flow refused');
        continue;
      }
      seen.set(id, file);
      const { flow } = await this.save(check);
      loaded.push({ file, id, version: flow.version });
    }
    return { loaded, refused };
  }

  private remember(stored: StoredFlow, check: Extract<FlowCheck, { ok: true }>): LoadedFlow {
    const flow: LoadedFlow = {
      id: stored.id,
      version: stored.version,
      createdAt: stored.createdAt,
      compiled: check.compiled,
    };
    const known = this.latest.get(stored.id);
    if (!known || known.version <= stored.version) this.latest.set(stored.id, flow);
    return flow;
  }
}

/** A refused flow: VALIDATION_ERROR whose message names the places and whose details list them all. */
export function invalidFlow(problems: readonly FlowProblem[]): SwitchboardError {
  const listed = problems.slice(0, PROBLEMS_IN_MESSAGE).map(formatProblem);
  const more = problems.length > listed.length ? ` (and ${problems.length - listed.length} more)` : '';
  return new SwitchboardError(
    'VALIDATION_ERROR',
    `The flow is invalid: ${listed.join('; ')}${more}.`,
    problems.map((p) => ({
      in: 'body',
      path: p.path,
      problem: p.problem,
      ...(p.line !== undefined && { line: p.line }),
    })),
  );
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
