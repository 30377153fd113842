// The operators' API under a guessing attack: failed bearer checks count per client, the 41st gets 429, and the
// log names the client but never the token.
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/logger.ts';
import { appFor, fixturePublic } from './support.ts';

const TOKEN = 'admin-token-with-enough-entropy-42';
const COUNTS = '/admin/api/subscribers/counts';

function recordingLogger(lines: string[] = []): Logger & { lines: string[] } {
  const log = (obj: object | string, msg?: string) => lines.push(`${JSON.stringify(obj)} ${msg ?? ''}`);
  return { lines, debug: log, info: log, warn: log, error: log, child: () => recordingLogger(lines) };
}

function setup() {
  let now = Date.parse('2026-11-30T04:00:00Z');
  const logger = recordingLogger();
  const app = appFor(fixturePublic, {
    admin: { subscriberCounts: async () => ({ pending: 0, active: 1, unsubscribed: 0, bounced: 0 }) },
    adminToken: TOKEN,
    trustedProxies: 1,
    logger,
    now: () => now,
  });
  const ask = (token: string, ip = '203.0.113.7') =>
    app.request(COUNTS, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': ip } });
  return { app, logger, ask, advance: (ms: number) => (now += ms) };
}

describe('admin API bearer limit', () => {
  it('answers 401 to 40 wrong tokens from one client and 429 to the 41st, even when it is right', async () => {
    const { ask, logger } = setup();
    for (let i = 0; i < 40; i++) expect((await ask(`guess-number-${i}-xxxxxxxxxxxxxxxx`)).status).toBe(401);
    const limited = await ask('guess-number-40-xxxxxxxxxxxxxxxx');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String) } });
    expect((await ask(TOKEN)).status).toBe(429);
    expect(logger.lines.filter((l) => l.includes('203.0.113.7') && l.includes('refused')).length).toBe(42);
    expect(logger.lines.join('\n')).not.toContain('guess-number');
    expect(logger.lines.join('\n')).not.toContain(TOKEN);
  });

  it('keeps serving the right token to another client address, and the limited one after the window', async () => {
    const { ask, advance } = setup();
    for (let i = 0; i < 41; i++) await ask(`wrong-${i}-xxxxxxxxxxxxxxxxxxxxxx`);
    expect((await ask(TOKEN)).status).toBe(429);
    const other = await ask(TOKEN, '198.51.100.20');
    expect(other.status).toBe(200);
    expect(await other.json()).toEqual({ pending: 0, active: 1, unsubscribed: 0, bounced: 0 });
    advance(15 * 60_000 + 1);
    expect((await ask(TOKEN)).status).toBe(200);
  });

  it('does not count right tokens or requests without one', async () => {
    const { ask, app } = setup();
    for (let i = 0; i < 60; i++) expect((await ask(TOKEN)).status).toBe(200);
    for (let i = 0; i < 60; i++)
      expect((await app.request(COUNTS, { headers: { 'x-forwarded-for': '203.0.113.7' } })).status).toBe(401);
    expect((await ask(TOKEN)).status).toBe(200);
  });
});
