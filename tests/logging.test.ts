// Log lines as operators and log collectors read them: one value per key, and the format LOG_FORMAT asks for.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/adapters/pino.ts';
import { childEnv, repoRoot } from './helpers/worker-process.ts';

function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

describe('log lines', () => {
  const saved = process.env.LOG_FORMAT;
  afterEach(() => {
    if (saved === undefined) delete process.env.LOG_FORMAT;
    else process.env.LOG_FORMAT = saved;
  });

  it("carry each key once: a child's component replaces its parent's", () => {
    const out = capture();
    delete process.env.LOG_FORMAT;
    const logger = createLogger({ destination: out.stream });
    logger.child({ component: 'digest', edition: 1 }).child({ component: 'delivery' }).info({ sent: 2 }, 'done');
    const line = out.text().trim();
    expect(line.match(/"component"/g)).toHaveLength(1);
    expect(JSON.parse(line)).toMatchObject({ component: 'delivery', edition: 1, sent: 2, msg: 'done' });
  });

  it('are JSON in a pipe, pretty when LOG_FORMAT=pretty asks, and JSON again with LOG_FORMAT=json', () => {
    const json = capture();
    createLogger({ destination: json.stream }).info({ a: 1 }, 'plain');
    expect(JSON.parse(json.text())).toMatchObject({ a: 1, msg: 'plain' });
    process.env.LOG_FORMAT = 'pretty';
    const pretty = capture();
    createLogger({ destination: pretty.stream }).info({ a: 1 }, 'readable');
    expect(pretty.text()).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: readable\n {4}a: 1\n$/);
    process.env.LOG_FORMAT = 'json';
    const forced = capture();
    createLogger({ destination: forced.stream }).info('again');
    expect(JSON.parse(forced.text()).msg).toBe('again');
  });

  it('refuses another LOG_FORMAT with one line naming it', () => {
    const res = spawnSync(process.execPath, [path.join(repoRoot, 'bin/gazette.js'), 'status'], {
      cwd: repoRoot,
      env: childEnv({ LOG_FORMAT: 'xml' }),
      encoding: 'utf8',
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toBe('gazette: LOG_FORMAT must be json or pretty, got "xml"\n');
  });
});
