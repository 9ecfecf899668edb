import type { Selectable } from 'kysely';
import type { Job, JobQueue, JobState } from '../core/jobs.ts';
import { checkLimit } from './checks.ts';
import { type JobsTable, toNumber, type UseDb } from './schema.ts';
import type { StoreKind } from './types.ts';

const MAX_CLAIM = 1000;

/** The durable job queue over either backend (the contract is JobQueue's, in core/jobs.ts). */
export function createJobQueue(useDb: UseDb, kind: StoreKind): JobQueue {
  return {
    async add(jobs) {
      if (jobs.length === 0) return;
      // Chunks keep each statement under SQLite's bound-parameter limit.
      for (let i = 0; i < jobs.length; i += 500) {
        await useDb()
          .insertInto('jobs')
          .values(
            jobs.slice(i, i + 500).map((job) => ({
              id: job.id,
              kind: job.kind,
              state: 'pending',
              run_at_ms: job.runAt,
              priority: job.priority ?? 0,
              attempts: 0,
              owner: null,
              lease_until_ms: null,
              payload: JSON.stringify(job.payload),
            })),
          )
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
      }
    },

    async claim({ kind: jobKind, now, limit, owner, leaseMs }) {
      const db = useDb();
      const due = db
        .selectFrom('jobs')
        .select('id')
        .where('kind', '=', jobKind)
        .where('state', '=', 'pending')
        .where('run_at_ms', '<=', now)
        .orderBy('priority', 'desc')
        .orderBy('run_at_ms', 'asc')
        .orderBy('id', 'asc')
        .limit(checkLimit(limit, MAX_CLAIM))
        // Two processes claiming at once each skip the rows the other has locked, instead of both
        // taking them or one waiting; SQLite has one writer at a time, so its update is atomic as is.
        .$if(kind === 'postgres', (qb) => qb.forUpdate().skipLocked());
      const rows = await db
        .updateTable('jobs')
        .set((eb) => ({
          state: 'running',
          owner,
          lease_until_ms: now + leaseMs,
          attempts: eb('attempts', '+', 1),
        }))
        .where('id', 'in', due)
        .where('state', '=', 'pending')
        .returningAll()
        .execute();
      return rows.map(fromRow).sort(claimOrder);
    },

    async complete(id, owner) {
      const result = await useDb()
        .updateTable('jobs')
        .set({ state: 'done', lease_until_ms: null })
        .where('id', '=', id)
        .where('state', '=', 'running')
        .where('owner', '=', owner)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async release(id, owner, runAt) {
      const result = await useDb()
        .updateTable('jobs')
        .set({ state: 'pending', run_at_ms: runAt, owner: null, lease_until_ms: null })
        .where('id', '=', id)
        .where('state', '=', 'running')
        .where('owner', '=', owner)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async cancel(id) {
      const result = await useDb()
        .updateTable('jobs')
        .set({ state: 'canceled' })
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async recover(jobKind, now) {
      const result = await useDb()
        .updateTable('jobs')
        .set({ state: 'pending', owner: null, lease_until_ms: null })
        .where('kind', '=', jobKind)
        .where('state', '=', 'running')
        .where('lease_until_ms', '<=', now)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async get(id) {
      const row = await useDb().selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    async nextRunAt(jobKind) {
      const row = await useDb()
        .selectFrom('jobs')
        .select('run_at_ms')
        .where('kind', '=', jobKind)
        .where('state', '=', 'pending')
        .orderBy('run_at_ms', 'asc')
        .limit(1)
        .executeTakeFirst();
      return row === undefined ? undefined : toNumber(row.run_at_ms);
    },

    async count(jobKind, state, dueBy) {
      const row = await useDb()
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('kind', '=', jobKind)
        .where('state', '=', state)
        .$if(dueBy !== undefined, (qb) => qb.where('run_at_ms', '<=', dueBy as number))
        .executeTakeFirstOrThrow();
      return toNumber(row.n as number | string);
    },
  };
}

function fromRow(row: Selectable<JobsTable>): Job {
  return {
    id: row.id,
    kind: row.kind,
    state: row.state as JobState,
    runAt: toNumber(row.run_at_ms),
    priority: toNumber(row.priority),
    attempts: toNumber(row.attempts),
    ...(row.owner !== null && { owner: row.owner }),
    ...(row.lease_until_ms !== null && { leaseUntil: toNumber(row.lease_until_ms) }),
    payload: JSON.parse(row.payload) as Record<string, unknown>,
  };
}

function claimOrder(a: Job, b: Job): number {
  return b.priority - a.priority || a.runAt - b.runAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
