// gazette start behind a real nginx (Debian's nginx-light): with --trust-proxy 1 each reader keeps a rate-limit
// bucket of their own; without it every reader shares the proxy's. scripts/install-system-deps.sh installs nginx.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/imap-server.ts';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.ts';
import { configOffSchedule } from '../worker/support.ts';

/** POST /subscribe through `port`, from the loopback address `from` (127.0.0.x: a reader of its own). */
function subscribe(port: number, from: string, email: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = `email=${encodeURIComponent(email)}`;
    const req = request(
      {
        host: '127.0.0.1',
        port,
        localAddress: from,
        method: 'POST',
        path: '/subscribe',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function startNginx(dir: string, listen: number, upstream: number): Promise<ChildProcess> {
  await mkdir(path.join(dir, 'nginx/logs'), { recursive: true });
  const conf = path.join(dir, 'nginx/nginx.conf');
  await writeFile(
    conf,
    `daemon off;
pid ${dir}/nginx/nginx.pid;
error_log ${dir}/nginx/logs/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/nginx/body;
  proxy_temp_path ${dir}/nginx/proxy;
  fastcgi_temp_path ${dir}/nginx/fastcgi;
  uwsgi_temp_path ${dir}/nginx/uwsgi;
  scgi_temp_path ${dir}/nginx/scgi;
  server {
    listen 127.0.0.1:${listen};
    location / {
      proxy_pass http://127.0.0.1:${upstream};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
}
`,
  );
  const nginx = spawn('nginx', ['-c', conf, '-p', path.join(dir, 'nginx')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const req = request({ host: '127.0.0.1', port: listen, path: '/healthz' }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
    if (up) return nginx;
    await new Promise((r) => setTimeout(r, 100));
  }
  nginx.kill();
  throw new Error('nginx did not come up');
}

describe('gazette start behind nginx', { timeout: 120_000 }, () => {
  let root: string | undefined;
  let worker: WorkerProcess | undefined;
  let nginx: ChildProcess | undefined;
  afterEach(async () => {
    nginx?.kill('SIGTERM');
    await worker?.stop('SIGTERM').catch(() => undefined);
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** Readers A and B through nginx: A until refused, then B once. */
  async function buckets(trustProxy: boolean): Promise<{ a: number[]; b: number }> {
    root = await mkdtemp(path.join(os.tmpdir(), 'gazette-nginx-'));
    await writeFile(path.join(root, 'gazette.yaml'), await configOffSchedule());
    await mkdir(path.join(root, 'content'));
    const upstream = await freePort();
    const front = await freePort();
    worker = startWorkerProcess({
      cwd: root,
      env: { PORT: String(upstream), GAZETTE_SECRET: 'nginx-test-secret-0123456789abcdef' },
      args: ['--host', '127.0.0.1', ...(trustProxy ? ['--trust-proxy', '1'] : [])],
    });
    await worker.url;
    nginx = await startNginx(root, front, upstream);
    const a: number[] = [];
    for (let i = 0; i < 6; i++) a.push(await subscribe(front, '127.0.0.2', `a${i}@example.org`));
    const b = await subscribe(front, '127.0.0.3', 'b@example.org');
    return { a, b };
  }

  it('with --trust-proxy 1 keeps readers apart: one reader refused does not refuse the next', async () => {
    const { a, b } = await buckets(true);
    expect(a.slice(0, 5).every((s) => s < 400)).toBe(true);
    expect(a[5]).toBe(429);
    expect(b).toBeLessThan(400);
    expect(worker!.stdout()).toContain('gazette worker listening on 127.0.0.1, port');
  });

  it('without it every reader shares the proxy address, as the README warns', async () => {
    const { a, b } = await buckets(false);
    expect(a[5]).toBe(429);
    expect(b).toBe(429);
  });
});
