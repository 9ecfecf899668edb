import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * Serves the operator console's built files (web/dist) at `/`. Without a build the API works the
 * same and `/` says how to get the console. Only the files present at start are routes (no wildcard),
 * so every other path keeps the API's own 404 in the shared error shape. The console is plain files:
 * it reaches the API with the key the user types, never one of the server's.
 */
export async function registerConsole(app: FastifyInstance, root: string | undefined): Promise<void> {
  if (!consoleBuilt(root)) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('text/plain; charset=utf-8')
        .send(
          'The operator console is not built: `npm start` builds it (web/ into web/dist), then serves it here.\n',
        ),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    cacheControl: false,
    // Bundles carry a content hash in their names; index.html must be read again to find new ones.
    setHeaders: (reply, path) => {
      reply.setHeader(
        'cache-control',
        path.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
      );
    },
  });
}

/** Whether `root` holds a built console. */
export function consoleBuilt(root: string | undefined): root is string {
  return root !== undefined && existsSync(join(root, 'index.html'));
}
