// The files in deploy/ as tests run them: the systemd unit's ExecStart arguments, and deploy/nginx.conf inside a
// throw-away nginx (Debian's nginx-light, not a daemon) on free loopback ports with a self-signed certificate.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import path from 'node:path';
import { repoRoot } from '../helpers/worker-process.ts';

export const deployDir = path.join(repoRoot, 'deploy');

/** deploy/gazette.service's ExecStart= split into words (no word in it is quoted). */
export async function unitExecStart(): Promise<string[]> {
  const unit = await readFile(path.join(deployDir, 'gazette.service'), 'utf8');
  const line = /^ExecStart=(.*)$/m.exec(unit);
  if (!line) throw new Error('deploy/gazette.service has no ExecStart=');
  return line[1]!.trim().split(/\s+/);
}

/** The arguments ExecStart gives `gazette start`. */
export async function unitStartArgs(): Promise<string[]> {
  const words = await unitExecStart();
  const start = words.indexOf('start');
  if (start < 0) throw new Error('ExecStart does not run `gazette start`');
  return words.slice(start + 1);
}

/** Replaces `from` by `to` in `text`, failing when `from` is not there: a test must not pass by editing nothing. */
export function replaceOrFail(text: string, from: string | RegExp, to: string): string {
  const found =
    typeof from === 'string' ? text.includes(from) : new RegExp(from.source, from.flags.replace('g', '')).test(text);
  if (!found) throw new Error(`${String(from)} not found`);
  return text.replace(from, to);
}

export interface RunningNginx {
  https: number;
  http: number;
  stop(): void;
}

/** GET or POST over https to the nginx on `port` from the loopback address `from`; the body as text. */
export function httpsRequest(
  port: number,
  options: { path: string; method?: string; from?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: options.path,
        method: options.method ?? 'GET',
        rejectUnauthorized: false,
        ...(options.from ? { localAddress: options.from } : {}),
        headers: {
          ...(options.body !== undefined ? { 'content-length': String(Buffer.byteLength(options.body)) } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * Runs deploy/nginx.conf as the site of a minimal nginx.conf under `dir`: its listen ports become free loopback
 * ports, its certificate a self-signed one, its upstream gazette on `upstream`.
 */
export async function startDeployNginx(
  dir: string,
  ports: { https: number; http: number; upstream: number },
): Promise<RunningNginx> {
  const prefix = path.join(dir, 'nginx');
  await mkdir(path.join(prefix, 'logs'), { recursive: true });
  const cert = path.join(prefix, 'cert.pem');
  const key = path.join(prefix, 'key.pem');
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
    ],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`openssl: ${made.stderr}`);
  let site = await readFile(path.join(deployDir, 'nginx.conf'), 'utf8');
  site = replaceOrFail(site, 'server 127.0.0.1:8080;', `server 127.0.0.1:${ports.upstream};`);
  site = replaceOrFail(site, 'listen 80;', `listen 127.0.0.1:${ports.http};`);
  site = replaceOrFail(site, 'listen [::]:80;', '');
  site = replaceOrFail(site, 'listen 443 ssl;', `listen 127.0.0.1:${ports.https} ssl;`);
  site = replaceOrFail(site, 'listen [::]:443 ssl;', '');
  site = replaceOrFail(site, /ssl_certificate \S+;/, `ssl_certificate ${cert};`);
  site = replaceOrFail(site, /ssl_certificate_key \S+;/, `ssl_certificate_key ${key};`);
  await writeFile(path.join(prefix, 'site.conf'), site);
  const conf = path.join(prefix, 'nginx.conf');
  // run as root, nginx's workers would be nobody, who cannot enter the test's private temporary folder
  const asRoot = process.getuid?.() === 0 ? 'user root;\n' : '';
  // what Debian's /etc/nginx/nginx.conf sets around a site, with every path under the prefix
  await writeFile(
    conf,
    `daemon off;
${asRoot}pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log;
events { worker_connections 64; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  include ${prefix}/site.conf;
}
`,
  );
  const nginx: ChildProcess = spawn('nginx', ['-c', conf, '-p', prefix], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await httpsRequest(ports.https, { path: '/healthz' }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (up) return { ...ports, stop: () => nginx.kill('SIGTERM') };
    await new Promise((r) => setTimeout(r, 100));
  }
  nginx.kill('SIGTERM');
  const log = await readFile(path.join(prefix, 'logs/error.log'), 'utf8').catch(() => '');
  throw new Error(`nginx did not come up:\n${log}`);
}
