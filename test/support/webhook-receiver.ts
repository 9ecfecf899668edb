import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST the receiver took, with its body exactly as sent. */
export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The status the receiver answered. */
  readonly status: number;
}

/**
 * A real HTTP receiver for webhook tests (node:http on an ephemeral loopback port). It answers each
 * POST with the status `answer` chooses, can go down (stop listening: connections are refused) and
 * come back on the same port.
 */
export interface WebhookReceiver {
  readonly url: string;
  /** Every POST answered, in arrival order (while down, nothing arrives). */
  readonly received: Received[];
  /** Those answered with a 2xx. */
  accepted(): Received[];
  answer: (request: { headers: IncomingHttpHeaders; body: string }) => { status: number; body?: string };
  down(): Promise<void>;
  up(): Promise<void>;
  /** Resolves once `count` POSTs were accepted. */
  waitForAccepted(count: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<WebhookReceiver> {
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  let port = 0;
  let server: Server | undefined;
  const receiver: WebhookReceiver = {
    get url() {
      return `http://127.0.0.1:${port}/hook`;
    },
    received,
    accepted: () => received.filter((r) => r.status >= 200 && r.status < 300),
    answer: () => ({ status: 204 }),
    async down() {
      const closing = server;
      server = undefined;
      if (!closing) return;
      closing.closeAllConnections();
      await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
    async up() {
      if (server) return;
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const answer = receiver.answer({ headers: req.headers, body });
          received.push({ headers: req.headers, body, status: answer.status });
          res.writeHead(answer.status, { 'content-type': 'text/plain', connection: 'close' });
          res.end(answer.body);
          for (const wake of [...waiters]) wake();
        });
      });
      const listening = server;
      await new Promise<void>((resolve) => listening.listen(port, '127.0.0.1', () => resolve()));
      port = (listening.address() as AddressInfo).port;
    },
    waitForAccepted(count) {
      return new Promise((resolve) => {
        const check = () => {
          const done = receiver.accepted();
          if (done.length < count) return;
          waiters.delete(check);
          resolve(done);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => receiver.down(),
  };
  await receiver.up();
  return receiver;
}
