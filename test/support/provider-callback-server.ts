import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { callbackPath, type WebhookReceiver } from '../../src/core/provider-callbacks.ts';

/**
 * A bare HTTP server handing a provider's requests to a cloud driver, as the API's callback routes do,
 * for engine-level tests that run without the whole server. `url` is the public base URL to give the
 * driver; the driver is attached once built (it needs the URL first).
 */
export async function startProviderCallbackServer(): Promise<{
  url: string;
  attach(driver: WebhookReceiver): void;
  close(): Promise<void>;
}> {
  let driver: WebhookReceiver | undefined;
  const server: Server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const full = new URL(req.url ?? '/', 'http://receiver');
    const prefix = driver ? callbackPath(driver.provider) : '';
    if (!driver || !full.pathname.startsWith(prefix)) {
      res.writeHead(404).end();
      return;
    }
    const json = (req.headers['content-type'] ?? '').includes('json');
    const body = text === '' ? {} : json ? JSON.parse(text) : Object.fromEntries(new URLSearchParams(text));
    const reply = await driver.handleWebhook({
      method: req.method === 'GET' ? 'GET' : 'POST',
      path: full.pathname.slice(prefix.length),
      url: req.url ?? '/',
      query: Object.fromEntries(full.searchParams),
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
      body,
    });
    res.writeHead(reply.status, { 'content-type': reply.contentType }).end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    attach: (d) => {
      driver = d;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
