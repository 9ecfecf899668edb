import { Worker } from 'node:worker_threads';
import { stopWorker } from './worker-stop.ts';

/** Rows ready to bind, in the order of the writer's statements. */
export type Row = readonly (string | number | null)[];

/** The statements the writer prepares: upsert of a call record, inserts of an event, a delivery, an audit entry. */
export interface WriterStatements {
  readonly upsertCallSql: string;
  readonly insertEventSql: string;
  readonly insertDeliverySql: string;
  readonly insertAuditSql: string;
}

/** A running writer thread. */
export interface SqliteWriter {
  /** Writes the rows in one transaction; resolves once SQLite has them, rejects with SQLite's error. */
  write(
    calls: readonly Row[],
    events: readonly Row[],
    deliveries: readonly Row[],
    audits?: readonly Row[],
  ): Promise<void>;
  /** Waits for the writes in flight, then closes the thread's connection. */
  stop(): Promise<void>;
}

interface Pending {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** How the writer's connection waits for locks and when it checkpoints by itself. */
export interface WriterConnection {
  readonly busyTimeoutMs: number;
  /**
   * WAL pages before a commit checkpoints by itself. It must match the main connection's backstop:
   * at SQLite's default (1,000 pages, 4 MB, a fraction of a second of a busy day) commits on this
   * thread ran checkpoints, with their disk sync, and took tens of milliseconds.
   */
  readonly autocheckpointPages: number;
}

/** How long `stop` waits for the thread to close its connection before ending it. */
const STOP_TIMEOUT_MS = 5_000;

/**
 * Starts the thread that commits call records and events to `file` (see sqlite-writer-worker.mjs for
 * why a thread). Writes are answered in the order they were sent: the thread handles one at a time.
 */
export function startSqliteWriter(
  file: string,
  connection: WriterConnection,
  statements: WriterStatements,
): SqliteWriter {
  const worker = new Worker(new URL('./sqlite-writer-worker.mjs', import.meta.url), {
    workerData: { file, ...connection, ...statements },
  });
  // Held only while a write waits for its answer: an idle writer must not keep a stopping process up.
  worker.unref();
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let failure: Error | undefined;
  const failAll = (error: Error) => {
    failure = error;
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };
  worker.on('message', (message: { id?: number; error?: { message: string; code?: string } }) => {
    if (message.id === undefined) return;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (pending.size === 0) worker.unref();
    if (message.error)
      waiter.reject(Object.assign(new Error(message.error.message), { code: message.error.code }));
    else waiter.resolve();
  });
  worker.on('error', (error) => failAll(error));
  worker.on('exit', (code) => failAll(new Error(`The store's writer thread exited (code ${code}).`)));

  let stopping: Promise<void> | undefined;
  return {
    write(calls, events, deliveries, audits = []) {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        if (pending.size === 0) worker.ref();
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, calls, events, deliveries, audits });
      });
    },
    stop() {
      // Every write sent before is answered first.
      stopping ??= stopWorker(worker, STOP_TIMEOUT_MS);
      return stopping;
    },
  };
}
