import type { Worker } from 'node:worker_threads';

/**
 * Asks a store thread to close its connection (the message `stop`, answered by `{stopped: true}`) and
 * ends it; one that does not answer within `timeoutMs` is ended anyway. Messages are handled in order,
 * so whatever was sent to the thread before is done first.
 */
export function stopWorker(worker: Worker, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timeout = setTimeout(() => void worker.terminate().then(() => resolve()), timeoutMs);
    worker.once('exit', () => {
      clearTimeout(timeout);
      resolve();
    });
    worker.on('message', (message: { stopped?: boolean }) => {
      if (message.stopped) void worker.terminate();
    });
    worker.postMessage('stop');
  });
}
