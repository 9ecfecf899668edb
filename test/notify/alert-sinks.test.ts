import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server.ts';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

/** A real SMTP server in the test process, keeping every message it accepts (raw RFC 5322 text). */
async function startSmtp(): Promise<{
  port: number;
  mails: { to: string[]; raw: string }[];
  close(): Promise<void>;
}> {
  const mails: { to: string[]; raw: string }[] = [];
  const waiting: (() => void)[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString(),
        });
        for (const wake of waiting.splice(0)) wake();
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  const port = (smtp.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise<void>((resolve) => smtp.close(() => resolve())) };
}

let server: TestServer;
let closeSmtp: (() => Promise<void>) | undefined;
let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await server?.close({ removeData: true });
  await closeSmtp?.();
  await receiver?.close();
});

const PANIC = {
  driverId: 'D-17',
  driverPhone: '+12125550177',
  driverName: 'Dana Driver',
  location: { lat: 41.8781, lng: -87.6298 },
  vehiclePlate: 'KX-123',
};

async function supervisor() {
  const res = await server.request('POST', '/api/v1/agents', {
    id: 'carol',
    name: 'Carol',
    endpoint: 'sim/carol',
    roles: ['supervisor'],
  });
  expect(res.status).toBeLessThan(300);
}

describe('alert sinks', () => {
  it('e-mails the emergency alert with the driver’s context to a real SMTP server', async () => {
    const smtp = await startSmtp();
    closeSmtp = smtp.close;
    server = await startServer({
      env: {
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        ALERT_EMAIL_TO: 'duty@dispatch.example,ops@dispatch.example',
        ALERT_EMAIL_FROM: 'switchboard@dispatch.example',
      },
    });
    await supervisor();
    const raised = await server.request('POST', '/api/cti/emergency', PANIC);
    expect(raised.status).toBe(200);
    await server.advance(0);

    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail?.to).toEqual(['duty@dispatch.example', 'ops@dispatch.example']);
    const text = mail?.raw.replace(/=\r?\n/g, '') ?? '';
    expect(text).toMatch(/^Subject: EMERGENCY: driver D-17 pressed the panic button/m);
    expect(text).toMatch(/^From: switchboard@dispatch\.example/m);
    for (const part of ['Dana Driver', 'KX-123', '41.87810,-87.62980', '+12125550177'])
      expect(text).toContain(part);
    expect(text).toContain(`X-Switchboard-Topic: emergency:${raised.body.emergencyId}`);

    // The simulator's in-memory sink still has it, and the audit trail says it went out.
    const kept = await server.request(
      'GET',
      `/api/v1/notifications?topic=emergency:${raised.body.emergencyId}`,
    );
    expect(kept.body.data).toHaveLength(1);
    const trail = await server.request('GET', `/api/v1/emergencies/${raised.body.emergencyId}`);
    expect(trail.body.data.audit.map((a: { action: string }) => a.action)).toContain('supervisor_notified');
  });

  it('records an alert that no sink accepted, and POSTs signed alerts to a webhook', async () => {
    receiver = await startReceiver();
    receiver.answer = () => ({ status: 503 });
    server = await startServer({
      env: {
        OUTBOUND_HTTP_ALLOW: '127.0.0.1',
        ALERT_WEBHOOK_URL: receiver.url,
        ALERT_WEBHOOK_SECRET: 'a-secret-of-sixteen-plus',
      },
    });
    await supervisor();
    const first = await server.request('POST', '/api/cti/emergency', PANIC);
    await server.advance(0);
    const failed = await server.request('GET', `/api/v1/emergencies/${first.body.emergencyId}`);
    const failure = failed.body.data.audit.find(
      (a: { action: string }) => a.action === 'notification_failed',
    );
    expect(failure?.detail.error).toContain('503');

    receiver.answer = () => ({ status: 200 });
    const second = await server.request('POST', '/api/cti/emergency', { ...PANIC, driverId: 'D-18' });
    await server.advance(0);
    const [alert] = receiver.accepted();
    expect(JSON.parse(alert?.body ?? '{}')).toMatchObject({
      topic: `emergency:${second.body.emergencyId}`,
      subject: 'EMERGENCY: driver D-18 pressed the panic button',
    });
    expect(alert?.headers['switchboard-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  });
});
