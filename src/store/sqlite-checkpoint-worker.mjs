// Runs SQLite's WAL checkpoints on a thread of their own. A checkpoint copies the write-ahead log into
// the database file and syncs it to disk; on the main thread that stalls every request for milliseconds
// at a time. PASSIVE never waits for, or blocks, the main connection's readers and writers.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.file);
db.pragma(`busy_timeout = ${workerData.busyTimeoutMs}`);
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: String(error) });
  }
}, workerData.everyMs);

parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.postMessage({ stopped: true });
});
