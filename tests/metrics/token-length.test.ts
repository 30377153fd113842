// `gazette start` refuses a METRICS_TOKEN short enough to guess, in one line, before serving.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { MIN_METRICS_TOKEN_LENGTH } from '../../src/metrics/index.ts';

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

const saved = process.env.METRICS_TOKEN;
afterEach(() => {
  if (saved === undefined) delete process.env.METRICS_TOKEN;
  else process.env.METRICS_TOKEN = saved;
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
