import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertSafeExposure, loadConfig } from '../src/config/config.ts';

describe('configuration', () => {
  it('defaults to loopback, port 5000, the embedded store in ./data and the real clock', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 5000,
      host: '127.0.0.1',
      store: { kind: 'sqlite', file: join('data', 'switchboard.db') },
      clock: 'real',
      corsOrigins: false,
      ringTimeoutMs: 30_000,
    });
  });

  it('selects PostgreSQL with DATABASE_URL and lets flags override the environment', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://db/x', PORT: '6000' }, { CTI_PORT: '7000' });
    expect(config.store).toEqual({ kind: 'postgres', url: 'postgres://db/x' });
    expect(config.port).toBe(7000);
    expect(loadConfig({ SWITCHBOARD_DATA_DIR: '/var/lib/sb' }).store).toEqual({
      kind: 'sqlite',
      file: join('/var/lib/sb', 'switchboard.db'),
    });
  });

  it('reads the clock as real, virtual or a speed factor', () => {
    expect(loadConfig({ SWITCHBOARD_CLOCK: 'virtual' }).clock).toBe('virtual');
    expect(loadConfig({ SWITCHBOARD_CLOCK: '10' }).clock).toBe(10);
    expect(() => loadConfig({ SWITCHBOARD_CLOCK: 'fast' })).toThrow(/SWITCHBOARD_CLOCK/);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ CTI_PORT: '70000' })).toThrow(/CTI_PORT/);
    expect(() => loadConfig({ DEFAULT_COUNTRY: 'XX' })).toThrow(/DEFAULT_COUNTRY/);
  });

  it('keeps recordings in the data folder, for ever unless RECORDING_RETENTION_DAYS says how long', () => {
    expect(loadConfig({ SWITCHBOARD_DATA_DIR: '/var/lib/sb' }).recordings).toEqual({
      dir: join('/var/lib/sb', 'recordings'),
      retentionDays: undefined,
    });
    expect(loadConfig({ RECORDING_RETENTION_DAYS: '90' }).recordings.retentionDays).toBe(90);
    expect(() => loadConfig({ RECORDING_RETENTION_DAYS: '0' })).toThrow(/RECORDING_RETENTION_DAYS/);
    expect(() => loadConfig({ RECORDING_RETENTION_DAYS: 'ninety' })).toThrow(/RECORDING_RETENTION_DAYS/);
  });

  it('refuses a public interface without API keys, and allows it with them', () => {
    expect(() => assertSafeExposure(loadConfig({ HOST: '0.0.0.0' }))).toThrow(/SWITCHBOARD_API_KEYS/);
    expect(() =>
      assertSafeExposure(loadConfig({ HOST: '0.0.0.0', SWITCHBOARD_API_KEYS: 'k1,k2' })),
    ).not.toThrow();
    expect(loadConfig({ SWITCHBOARD_API_KEYS: 'k1, k2' }).apiKeys).toEqual(['k1', 'k2']);
    expect(() => assertSafeExposure(loadConfig({}))).not.toThrow();
  });

  it('reads the conference settings: most parties and whether a call ends with its owner', () => {
    expect(loadConfig({}).conference).toEqual({ maxParticipants: 10, endWhenOwnerLeaves: false });
    expect(
      loadConfig({ CONFERENCE_MAX_PARTICIPANTS: '3', CONFERENCE_END_WITH_OWNER: 'yes' }).conference,
    ).toEqual({ maxParticipants: 3, endWhenOwnerLeaves: true });
    expect(() => loadConfig({ CONFERENCE_MAX_PARTICIPANTS: '2' })).toThrow(/CONFERENCE_MAX_PARTICIPANTS/);
    expect(() => loadConfig({ CONFERENCE_END_WITH_OWNER: 'maybe' })).toThrow(/CONFERENCE_END_WITH_OWNER/);
  });

  it('never allows every origin outside development unless asked', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).corsOrigins).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development' }).corsOrigins).toBe('*');
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example' }).corsOrigins).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
  });

  it('reads the Twilio driver: names what is missing, keeps the token out of logs', () => {
    const twilio = {
      SWITCHBOARD_DRIVER: 'twilio',
      TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'secret-token',
      TWILIO_CALLER_ID: '+15005550006',
      SWITCHBOARD_PUBLIC_URL: 'https://cti.example.com/',
    };
    const config = loadConfig(twilio);
    expect(config.driver).toBe('twilio');
    expect(config.twilio).toMatchObject({ callerId: '+15005550006', publicUrl: 'https://cti.example.com' });
    expect(config.twilio?.authToken).toBe('secret-token');
    expect(JSON.stringify(config)).not.toContain('secret-token');
    expect(() => loadConfig({ ...twilio, TWILIO_AUTH_TOKEN: '' })).toThrow(/TWILIO_AUTH_TOKEN is required/);
    expect(() => loadConfig({ ...twilio, SWITCHBOARD_PUBLIC_URL: '' })).toThrow(/SWITCHBOARD_PUBLIC_URL/);
    expect(() => loadConfig({ ...twilio, TWILIO_ACCOUNT_SID: 'nope' })).toThrow(/TWILIO_ACCOUNT_SID/);
    expect(() => loadConfig({ ...twilio, SWITCHBOARD_CLOCK: 'virtual' })).toThrow(/real time/);
  });

  it('reads the Exotel driver: region host by default, the flow optional, the token out of logs', () => {
    const exotel = {
      SWITCHBOARD_DRIVER: 'exotel',
      EXOTEL_SID: 'acme1',
      EXOTEL_API_KEY: 'key',
      EXOTEL_API_TOKEN: 'secret-token',
      EXOTEL_VIRTUAL_NUMBER: '08047091234',
      SWITCHBOARD_PUBLIC_URL: 'https://cti.example.in',
    };
    const config = loadConfig({ ...exotel, EXOTEL_SUBDOMAIN: 'api.in.exotel.com', EXOTEL_APP_ID: '12345' });
    expect(config.exotel).toMatchObject({ sid: 'acme1', subdomain: 'api.in.exotel.com', appId: '12345' });
    expect(loadConfig(exotel).exotel).toMatchObject({ subdomain: 'api.exotel.com', appId: undefined });
    expect(JSON.stringify(config)).not.toContain('secret-token');
    expect(() => loadConfig({ ...exotel, EXOTEL_VIRTUAL_NUMBER: '' })).toThrow(
      /EXOTEL_VIRTUAL_NUMBER is required/,
    );
    expect(() => loadConfig({ ...exotel, EXOTEL_APP_ID: 'flow' })).toThrow(/EXOTEL_APP_ID/);
  });
});
