// The embedded store's writer: commits call records and events on a thread of its own. A write to the
// log is a system call that the file system may hold for tens of milliseconds (ext4 waits for a journal
// commit, e.g. while a checkpoint syncs); on the event loop that stalls every request in flight, here
// it delays only the commits that need it. Plain JavaScript: a worker cannot load TypeScript without a
// loader, and this file has no logic worth types (the statements arrive in workerData).
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.file);
db.pragma(`busy_timeout = ${workerData.busyTimeoutMs}`);
// Same durability as the main connection: survives a crash of the process, syncs at checkpoints.
db.pragma('synchronous = NORMAL');
// Checkpoints belong to the checkpoint thread: one run by a commit here would hold up every commit behind it.
db.pragma(`wal_autocheckpoint = ${workerData.autocheckpointPages}`);
const upsertCall = db.prepare(workerData.upsertCallSql);
const insertEvent = db.prepare(workerData.insertEventSql);
const insertDelivery = db.prepare(workerData.insertDeliverySql);
const insertAudit = db.prepare(workerData.insertAuditSql);
const write = db.transaction((calls, events, deliveries, audits) => {
  for (const row of calls) upsertCall.run(row);
  for (const row of events) insertEvent.run(row);
  for (const row of deliveries) insertDelivery.run(row);
  for (const row of audits) insertAudit.run(row);
});

parentPort.on('message', (message) => {
  if (message === 'stop') {
    db.close();
    parentPort.postMessage({ stopped: true });
    return;
  }
  const { id, calls, events, deliveries, audits } = message;
  try {
    write(calls, events, deliveries, audits);
    parentPort.postMessage({ id });
  } catch (error) {
    parentPort.postMessage({ id, error: { message: String(error?.message ?? error), code: error?.code } });
  }
});
