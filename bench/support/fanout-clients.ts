/**
 * Socket.io clients for bench/fanout.ts, in a process of their own so the server's core is the one
 * measured. One in ten is a real socket.io-client and times its events; the others speak the
 * Socket.io protocol over a bare WebSocket (connect, answer pings, count messages) and parse
 * nothing, so that a thousand of them on one core still keep up with the server. Started with fork(); told over IPC: `{connect: {url, count}}` (answers `{connected}`),
 * `{reset: true}` (starts a window; answers `{reset}`) and `{report: true}` (answers the window's figures: events
 * delivered and delivery latencies, from each event's `timestamp` to its arrival, in ms).
 */
import { io, type Socket } from 'socket.io-client';
import { WebSocket } from 'ws';

type Command =
  | { connect: { url: string; count: number } }
  | { reset: true }
  | { report: true }
  | { stop: true };

const sockets: Socket[] = [];
const bare: WebSocket[] = [];
let latencies: number[] = [];
let delivered = 0;
let first = 0;
let last = 0;

process.on('message', (message: Command) => {
  if ('connect' in message) void connect(message.connect.url, message.connect.count);
  else if ('reset' in message) {
    latencies = [];
    delivered = 0;
    first = 0;
    last = 0;
    process.send?.({ reset: true });
  } else if ('report' in message) {
    latencies.sort((a, b) => a - b);
    process.send?.({
      delivered,
      spanMs: last - first,
      latencies: sample(latencies, 20_000),
      disconnected: disconnected(),
    });
  } else {
    for (const socket of sockets) socket.close();
    for (const ws of bare) ws.close();
    process.exit(0);
  }
});

async function connect(url: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    if (i % 10 !== 0) {
      await connectBare(url);
      continue;
    }
    const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
    socket.onAny((_type: string, event: { timestamp?: string }) => {
      delivered++;
      last = performance.now();
      if (first === 0) first = last;
      if (event?.timestamp) latencies.push(Date.now() - Date.parse(event.timestamp));
    });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
  }
  process.send?.({ connected: sockets.length + bare.length });
}

/** Engine.io v4 over a WebSocket: `0` open, `40` Socket.io connect, `2` ping / `3` pong, `42` event. */
async function connectBare(url: string): Promise<void> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
  bare.push(ws);
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (data: Buffer) => {
      const kind = data[0];
      if (kind === 0x34 && data[1] === 0x32) {
        delivered++;
        last = performance.now();
        if (first === 0) first = last;
      } else if (kind === 0x32) ws.send('3');
      else if (kind === 0x30) ws.send('40');
      else if (kind === 0x34 && data[1] === 0x30) resolve();
    });
    ws.once('error', reject);
  });
}

function disconnected(): number {
  return sockets.filter((s) => !s.connected).length + bare.filter((ws) => ws.readyState !== ws.OPEN).length;
}

/** At most `n` values spread evenly over ascending `sorted`, so quantiles survive the trip. */
function sample(sorted: number[], n: number): number[] {
  if (sorted.length <= n) return sorted;
  return Array.from({ length: n }, (_, i) => sorted[Math.floor((i * sorted.length) / n)]!);
}
