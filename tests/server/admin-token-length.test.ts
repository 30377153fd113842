// `gazette start` and `gazette serve` refuse an ADMIN_TOKEN (and `start` a METRICS_TOKEN) short enough to guess, in one
// line, before serving.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { MIN_METRICS_TOKEN_LENGTH } from '../../src/metrics/index.ts';
import { adminTokenProblem, MIN_ADMIN_TOKEN_LENGTH } from '../../src/server/admin-auth.ts';

function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  return Object.assign(stream, { text: () => chunks.join('') });
}

const saved = { ADMIN_TOKEN: process.env.ADMIN_TOKEN, METRICS_TOKEN: process.env.METRICS_TOKEN };
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('ADMIN_TOKEN length', () => {
  it.each(['start', 'serve'])('gazette %s exits non-zero naming ADMIN_TOKEN and the minimum', async (command) => {
    process.env.ADMIN_TOKEN = 'x'.repeat(MIN_ADMIN_TOKEN_LENGTH - 1);
    const stderr = sink();
    const stdout = sink();
    const code = await main(['node', 'gazette', command, '--port', '0'], { stdout, stderr });
    expect(code).not.toBe(0);
    const lines = stderr.text().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('ADMIN_TOKEN');
    expect(lines[0]).toContain('at least 24');
    expect(stderr.text()).not.toContain('x'.repeat(10));
  });

  it('accepts 24 characters or more, and no token at all', () => {
    expect(MIN_ADMIN_TOKEN_LENGTH).toBe(24);
    expect(adminTokenProblem('a'.repeat(23))).toContain('ADMIN_TOKEN');
    expect(adminTokenProblem('a'.repeat(24))).toBeNull();
    expect(adminTokenProblem(undefined)).toBeNull();
    expect(adminTokenProblem('')).toBeNull();
  });
});

describe('METRICS_TOKEN length', () => {
  it('gazette start exits non-zero naming METRICS_TOKEN and the minimum, without the token', async () => {
    process.env.METRICS_TOKEN = 'y'.repeat(MIN_METRICS_TOKEN_LENGTH - 1);
    const stderr = sink();
    const code = await main(['node', 'gazette', 'start', '--port', '0'], { stdout: sink(), stderr });
    expect(code).not.toBe(0);
    const lines = stderr.text().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('METRICS_TOKEN is 23 characters long; it must be at least 24');
    expect(stderr.text()).not.toContain('y'.repeat(10));
  });
});
