// Opens the HTTP listener for the app and closes it gracefully.
import { listen } from '../adapters/hono.ts';
import { createHandlers, type AppOptions } from './app.ts';
import { startClusteredServer } from './cluster.ts';

export interface StartServerOptions extends AppOptions {
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Interface to bind; default all. */
  hostname?: string;
  /**
   * Processes accepting connections. 1 (default): this process does everything. More: that many worker
   * processes serve public/ and forward the rest to this one (see cluster.ts); the process's entry script
   * must hand over to `runServerWorker` in a worker, as `gazette serve` does.
   */
  workers?: number;
}

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:8080/ (the port actually bound). */
  url: string;
  port: number;
  /** Stops accepting connections and waits for requests in flight. */
  close(): Promise<void>;
  /**
   * A build was just published by this process: served from the next request on. (Worker
   * processes of a multi-process server notice within their revalidation interval instead.)
   */
  published(): void;
}

/** Starts serving; resolves once the port is bound. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  if ((options.workers ?? 1) > 1) return startClusteredServer(options, { workers: options.workers! });
  const { app, serveStatic, published } = createHandlers(options);
  const listening = await listen({
    fetch: app.fetch,
    bypass: serveStatic,
    port: options.port ?? 8080,
    hostname: options.hostname,
  });
  const host =
    options.hostname === undefined || options.hostname === '0.0.0.0' || options.hostname === '::'
      ? '127.0.0.1'
      : options.hostname;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${listening.port}/`,
    port: listening.port,
    close: () => (closing ??= listening.close()),
    published,
  };
}
