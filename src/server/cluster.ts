// A server over several processes (node:cluster): each worker process accepts connections on the public
// port and answers public/ files from its own memory; every other request (subscribe, confirm, unsubscribe,
// the admin API and dashboard, health) is forwarded over a private Unix socket to the primary process, which
// runs the one application. So the rate limit, the dashboard's sessions, the database and the mailer live in
// one process as with a single-process server, and only static files scale with the cores.
//
// The trade-off: each worker holds its own copy of the file cache (memory grows with the workers) and starts a
// Node process of its own; a forwarded request pays one extra local hop.
import cluster, { type Worker } from 'node:cluster';
import { mkdtempSync, rmSync } from 'node:fs';
import {
  Agent,
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listen } from '../adapters/hono.ts';
import { silentLogger } from '../adapters/pino.ts';
import type { Logger } from '../logger.ts';
import { createHandlers, createStaticHandler } from './app.ts';
import { listenError, type RunningServer, type StartServerOptions } from './listener.ts';
import type { StaticFilesOptions } from './static-files.ts';

/** Environment variable through which the primary hands a worker its set-up. */
const WORKER_ENV = 'GAZETTE_SERVER_WORKER';
/** Header by which a worker tells the primary the client's socket address. Always overwritten by the worker. */
const CLIENT_ADDRESS_HEADER = 'x-gazette-client-address';
// Hop-by-hop headers (RFC 9110 §7.6.1) are the business of each connection, never forwarded.
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade'];

export interface WorkerSetup {
  publicDir: string;
  port: number;
  hostname?: string | undefined;
  /** The primary's application socket. */
  socketPath: string;
  staticFiles?: Omit<StaticFilesOptions, 'root'> | undefined;
  closeTimeoutMs: number;
}

/** In a worker process of a multi-process server: its set-up; undefined in any other process. */
export function serverWorkerSetup(): WorkerSetup | undefined {
  const text = process.env[WORKER_ENV];
  if (!cluster.isWorker || text === undefined) return undefined;
  return JSON.parse(text) as WorkerSetup;
}

export interface ClusterOptions {
  /** Worker processes accepting connections (at least 1). */
  workers: number;
  /** How long close() waits for requests in flight. Default 10 s. */
  closeTimeoutMs?: number;
}

/**
 * Starts the application in this (primary) process on a private socket and `workers` processes on the
 * public port; resolves once every worker listens. Each worker runs this process's entry script again
 * (process.argv) with the set-up in its environment; that script must hand over to `runServerWorker`
 * when `serverWorkerSetup()` returns one.
 */
export async function startClusteredServer(
  options: StartServerOptions,
  cluster_: ClusterOptions,
): Promise<RunningServer> {
  if (!cluster.isPrimary) throw new Error('a clustered server is started from the primary process');
  const logger = options.logger ?? silentLogger();
  const closeTimeoutMs = cluster_.closeTimeoutMs ?? 10_000;
  const { app } = createHandlers(options);
  // A folder only this user can enter: nobody else can reach the socket and forge the client address.
  const socketDir = mkdtempSync(path.join(tmpdir(), 'gazette-'));
  const socketPath = path.join(socketDir, 'app.sock');
  const internal = await listen({
    fetch: app.fetch,
    port: 0,
    socketPath,
    clientAddressHeader: CLIENT_ADDRESS_HEADER,
    closeTimeoutMs,
  }).catch((err: unknown) => {
    rmSync(socketDir, { recursive: true, force: true });
    throw err;
  });
  const setup: WorkerSetup = {
    publicDir: options.publicDir,
    port: options.port ?? 8080,
    hostname: options.hostname,
    socketPath,
    staticFiles: options.staticFiles,
    closeTimeoutMs,
  };

  const live = new Set<Worker>();
  let stopping = false;
  let boundPort = setup.port;
  const recentDeaths: number[] = [];

  const fork = (): Worker => {
    const worker = cluster.fork({ [WORKER_ENV]: JSON.stringify(setup) });
    live.add(worker);
    worker.once('exit', (code, signal) => {
      live.delete(worker);
      if (stopping) return;
      // A worker that died on its own is replaced, unless workers keep dying at once (a broken set-up).
      const now = Date.now();
      recentDeaths.push(now);
      while (recentDeaths.length > 0 && recentDeaths[0]! < now - 10_000) recentDeaths.shift();
      if (recentDeaths.length > 5) {
        logger.error({ code, signal }, 'server worker died; too many deaths in 10 s, not replacing it');
        return;
      }
      logger.error({ code, signal }, 'server worker died; starting another');
      fork();
    });
    return worker;
  };

  const stopWorkers = async (): Promise<void> => {
    stopping = true;
    await Promise.all(
      [...live].map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            const kill = setTimeout(() => worker.process.kill('SIGKILL'), closeTimeoutMs + 5_000);
            worker.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            if (worker.isConnected()) worker.send({ type: 'gazette:stop' });
            else worker.process.kill('SIGTERM');
          }),
      ),
    );
  };

  try {
    await Promise.all(
      Array.from({ length: Math.max(1, cluster_.workers) }, () => {
        const worker = fork();
        return new Promise<void>((resolve, reject) => {
          const failed = (message: unknown): void => {
            const m = message as { type?: string; error?: string; code?: string };
            if (m?.type !== 'gazette:failed') return;
            const failure = Object.assign(new Error(m.error ?? 'a server worker could not start'), { code: m.code });
            reject(listenError(failure, setup.port, setup.hostname));
          };
          worker.on('message', failed);
          worker.once('listening', (address: { port: number }) => {
            worker.off('message', failed);
            boundPort = address.port;
            resolve();
          });
          worker.once('exit', (code) => reject(new Error(`a server worker exited (${code}) before it listened`)));
        });
      }),
    );
  } catch (err) {
    await stopWorkers();
    await internal.close();
    rmSync(socketDir, { recursive: true, force: true });
    throw err;
  }

  const host =
    options.hostname === undefined || options.hostname === '0.0.0.0' || options.hostname === '::'
      ? '127.0.0.1'
      : options.hostname;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${boundPort}/`,
    port: boundPort,
    // The workers look at public/ again within their revalidation interval.
    published: () => undefined,
    close: () =>
      (closing ??= (async () => {
        // Workers first: they finish their requests, forwarded ones included, before the application stops.
        await stopWorkers();
        await internal.close();
        rmSync(socketDir, { recursive: true, force: true });
      })()),
  };
}

/**
 * A worker's whole life: listens on the public port, answers public/ files, forwards the rest to the
 * primary; returns once the primary asks it to stop (or `signal` aborts, or the primary is gone) and its
 * requests in flight have finished.
 */
export async function runServerWorker(
  setup: WorkerSetup,
  options: { logger?: Logger; signal?: AbortSignal } = {},
): Promise<void> {
  const logger = options.logger ?? silentLogger();
  const serveStatic = createStaticHandler({ publicDir: setup.publicDir, staticFiles: setup.staticFiles, logger });
  const agent = new Agent({ keepAlive: true });
  const server = createServer((incoming, outgoing) => {
    if (!serveStatic(incoming, outgoing)) forward(setup.socketPath, agent, logger, incoming, outgoing);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(setup.port, setup.hostname, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    process.send?.({
      type: 'gazette:failed',
      error: (err as Error).message,
      code: (err as NodeJS.ErrnoException).code,
    });
    throw err;
  }
  logger.debug({ port: (server.address() as AddressInfo | null)?.port }, 'server worker listening');

  await new Promise<void>((resolve) => {
    const done = (): void => resolve();
    process.on('message', (message: { type?: string }) => {
      if (message?.type === 'gazette:stop') done();
    });
    process.once('disconnect', done);
    if (options.signal?.aborted) done();
    else options.signal?.addEventListener('abort', done, { once: true });
  });

  await new Promise<void>((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), setup.closeTimeoutMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
  agent.destroy();
  // Let the process end: the channel to the primary would keep it alive.
  if (process.connected) process.disconnect();
}

/** Passes one request to the primary's application and its answer back, both streamed. */
function forward(
  socketPath: string,
  agent: Agent,
  logger: Logger,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
): void {
  const headers: IncomingHttpHeaders = { ...incoming.headers };
  for (const name of HOP_BY_HOP) delete headers[name];
  headers[CLIENT_ADDRESS_HEADER] = incoming.socket.remoteAddress ?? '';
  const upstream = request({
    socketPath,
    agent,
    method: incoming.method,
    path: incoming.url,
    headers: headers as OutgoingHttpHeaders,
  });
  upstream.on('response', (answer) => {
    const back: OutgoingHttpHeaders = { ...answer.headers };
    for (const name of HOP_BY_HOP) delete back[name];
    // The application closes a connection on purpose (a body refused unread): the client's must close too.
    if (answer.headers.connection === 'close') back.connection = 'close';
    outgoing.writeHead(answer.statusCode ?? 502, answer.statusMessage, back);
    answer.pipe(outgoing);
    answer.on('error', () => outgoing.destroy());
  });
  upstream.on('error', (err) => {
    if (outgoing.headersSent) {
      outgoing.destroy();
      return;
    }
    logger.error({ err, path: incoming.url }, 'cannot reach the application process');
    outgoing
      .writeHead(502, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', connection: 'close' })
      .end('Bad Gateway\n');
  });
  // The client went away (a live progress stream closed, say): stop the application's side too.
  outgoing.once('close', () => {
    if (!outgoing.writableFinished) upstream.destroy();
  });
  incoming.pipe(upstream);
}
