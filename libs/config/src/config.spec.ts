import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEV_JWT_SECRET, loadConfig } from './config';

const root = resolve(__dirname, '../../..');
const read = (file: string) => readFileSync(resolve(root, file), 'utf8');

/** The JWT_SECRET values published in `.env.example` (`JWT_SECRET=…`) and docker-compose.yml (`${JWT_SECRET:-…}`). */
const envExampleSecret = /^JWT_SECRET=(.*)$/m.exec(read('.env.example'))?.[1].trim();
const composeSecret = /\$\{JWT_SECRET:-([^}]*)\}/.exec(read('docker-compose.yml'))?.[1];

const production = (JWT_SECRET?: string) => loadConfig({ NODE_ENV: 'production', ...(JWT_SECRET === undefined ? {} : { JWT_SECRET }) });

describe('JWT_SECRET in production', () => {
  it('finds the published secrets it must refuse', () => {
    expect(envExampleSecret).toBeTruthy();
    expect(composeSecret).toBeTruthy();
  });

  it('refuses an unset secret (the built-in default), naming JWT_SECRET and how to make one', () => {
    expect(() => production()).toThrow(/JWT_SECRET must be set.*openssl rand -base64 48/s);
  });

  it('refuses the built-in development default', () => {
    expect(() => production(DEV_JWT_SECRET)).toThrow(/JWT_SECRET is a published development value.*openssl rand -base64 48/s);
  });

  it('refuses the secret from .env.example', () => {
    expect(() => production(envExampleSecret)).toThrow(/JWT_SECRET.*openssl rand -base64 48/s);
  });

  it('refuses the secret from docker-compose.yml', () => {
    expect(() => production(composeSecret)).toThrow(/JWT_SECRET.*openssl rand -base64 48/s);
  });

  it('refuses the former default that older .env files still carry', () => {
    expect(() => production('dev-only-secret-change-me-please')).toThrow(/JWT_SECRET is a published development value/);
  });

  it('refuses a 31-byte secret', () => {
    const secret = 'x'.repeat(31);
    expect(() => production(secret)).toThrow(/JWT_SECRET is 31 bytes long; it must be at least 32 bytes.*openssl rand -base64 48/s);
  });

  it('counts bytes, not characters', () => {
    // 16 characters, 32 bytes in UTF-8.
    expect(() => production('é'.repeat(16))).not.toThrow();
    expect(() => production(`${'é'.repeat(15)}x`)).toThrow(/31 bytes/);
  });

  it('accepts a random 48-byte secret (openssl rand -base64 48)', () => {
    const secret = randomBytes(48).toString('base64');
    expect(production(secret).JWT_SECRET).toBe(secret);
  });
});

describe('JWT_SECRET outside production', () => {
  it('falls back to the development default, which is at least 32 bytes', () => {
    expect(loadConfig({}).JWT_SECRET).toBe(DEV_JWT_SECRET);
    expect(loadConfig({ NODE_ENV: 'development' }).JWT_SECRET).toBe(DEV_JWT_SECRET);
    expect(Buffer.byteLength(DEV_JWT_SECRET)).toBeGreaterThanOrEqual(32);
  });

  it('accepts the published development values', () => {
    expect(loadConfig({ NODE_ENV: 'development', JWT_SECRET: envExampleSecret }).JWT_SECRET).toBe(envExampleSecret);
    expect(loadConfig({ NODE_ENV: 'test', JWT_SECRET: composeSecret }).JWT_SECRET).toBe(composeSecret);
  });

  it('.env.example and docker-compose.yml carry the built-in default', () => {
    expect(envExampleSecret).toBe(DEV_JWT_SECRET);
    expect(composeSecret).toBe(DEV_JWT_SECRET);
  });
});

describe('token and proxy settings', () => {
  it('JWT_MAX_TTL_SECONDS defaults to 24 h', () => {
    expect(loadConfig({}).JWT_MAX_TTL_SECONDS).toBe(86_400);
    expect(loadConfig({ JWT_MAX_TTL_SECONDS: '3600' }).JWT_MAX_TTL_SECONDS).toBe(3600);
    expect(() => loadConfig({ JWT_MAX_TTL_SECONDS: 'soon' })).toThrow(/JWT_MAX_TTL_SECONDS/);
  });

  it('TRUST_PROXY defaults to false and takes true, a hop count or addresses', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).TRUST_PROXY).toBe('loopback, 10.0.0.0/8');
  });
});
