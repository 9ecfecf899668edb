import { createServer, type Server, type Socket } from 'node:net';

const MAX_CONNECTIONS = 16;

/** What the listener reports: each complete line, and each one dropped for being too long. */
export interface LineSink {
  line(text: string): Promise<void>;
  tooLong(bytes: number): void;
}

/**
 * 3CX's CDR service as a client ("Active Socket") connects here and writes one CSV line per finished
 * call. Lines of one connection are handled in order; a bad line never closes the connection, and a
 * line longer than `maxLineBytes` is dropped up to its end, the lines after it kept.
 */
export class ActiveSocketListener {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private pending = new Set<Promise<void>>();

  constructor(
    private readonly options: { host: string; port: number; maxLineBytes: number; sink: LineSink },
  ) {}

  /** Starts listening; resolves with the port (the one chosen when 0 was asked). */
  async listen(): Promise<number> {
    const server = createServer((socket) => this.accept(socket));
    // 3CX opens one connection (two while it reconnects); more is someone else knocking.
    server.maxConnections = MAX_CONNECTIONS;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    return typeof address === 'object' && address !== null ? address.port : this.options.port;
  }

  get connections(): number {
    return this.sockets.size;
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /** Resolves once every line received so far is handled. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }

  get busy(): boolean {
    return this.pending.size > 0;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await this.idle();
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setEncoding('utf8');
    let buffer = '';
    let skipping = false;
    let chain = Promise.resolve();
    const handle = (line: string) => {
      const work = chain.then(() => this.options.sink.line(line));
      chain = work.catch(() => {});
      const tracked = chain;
      this.pending.add(tracked);
      void tracked.finally(() => this.pending.delete(tracked));
    };
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, '');
        buffer = buffer.slice(newline + 1);
        if (skipping) skipping = false;
        else if (line.trim() !== '') handle(line);
        newline = buffer.indexOf('\n');
      }
      if (Buffer.byteLength(buffer) > this.options.maxLineBytes) {
        if (!skipping) this.options.sink.tooLong(Buffer.byteLength(buffer));
        skipping = true;
        buffer = '';
      }
    });
    socket.on('end', () => {
      if (!skipping && buffer.trim() !== '') handle(buffer.replace(/\r$/, ''));
      buffer = '';
    });
    // A connection reset by 3CX is its business; the lines before it are handled.
    socket.on('error', () => {});
    socket.on('close', () => this.sockets.delete(socket));
  }
}
