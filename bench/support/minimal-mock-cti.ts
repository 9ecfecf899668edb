/**
 * The yardstick of bench/mock-cti.ts: a minimal in-memory mock-CTI server written to the same
 * `POST /api/cti/call` contract (validates the body, keeps the call in a Map, answers its JSON) with
 * node:http alone: no persistence, no state machine, no logging. Prints `listening PORT` when ready.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const calls = new Map<string, unknown>();

const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => {
    body += chunk;
  });
  req.on('end', () => {
    const reply = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.method !== 'POST' || req.url !== '/api/cti/call') return reply(404, { error: 'Not found' });
    let input: { from?: unknown; to?: unknown; context?: unknown };
    try {
      input = JSON.parse(body);
    } catch {
      return reply(400, { error: 'Body is not JSON', code: 'VALIDATION_ERROR' });
    }
    if (typeof input.to !== 'string')
      return reply(400, { error: '`to` is required', code: 'VALIDATION_ERROR' });
    const call = {
      callId: randomUUID(),
      status: 'ringing',
      from: input.from,
      to: input.to,
      startedAt: new Date().toISOString(),
      context: input.context ?? {},
    };
    calls.set(call.callId, call);
    reply(200, call);
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : ''}`);
});
