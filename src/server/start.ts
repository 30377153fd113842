// Opens the HTTP listener for the app and closes it gracefully.
import { listen } from '../adapters/hono.ts';
import { createHandlers } from './app.ts';
import { startClusteredServer } from './cluster.ts';
import { listenError, type RunningServer, type StartServerOptions } from './listener.ts';

export type { RunningServer, StartServerOptions } from './listener.ts';

/** Starts serving; resolves once the port is bound. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  if ((options.workers ?? 1) > 1) return startClusteredServer(options, { workers: options.workers! });
  const { app, serveStatic, published } = createHandlers(options);
  const port = options.port ?? 8080;
  const listening = await listen({ fetch: app.fetch, bypass: serveStatic, port, hostname: options.hostname }).catch(
    (err: unknown) => {
      throw listenError(err, port, options.hostname);
    },
  );
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
