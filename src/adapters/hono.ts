// Adapter for hono (HTTP routing) and @hono/node-server (the Node.js listener): the only module importing them.
import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Hono } from 'hono';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getRequestListener } from '@hono/node-server';

export { Hono, bodyLimit };
export type { Context, MiddlewareHandler };

/**
 * What the Node.js listener passes to each request (`c.env`); absent under `app.request(...)` unless a test
 * supplies it.
 */
export interface NodeBindings {
  incoming?: {
    /** Request target as received (path and query, still percent-encoded). */
    url?: string;
    headers?: Record<string, string | string[] | undefined>;
    socket?: { remoteAddress?: string | undefined };
  };
}

/** The Hono app type gazette's server builds. */
export type App = Hono<{ Bindings: NodeBindings }>;

export interface ListenOptions {
  fetch: (request: Request, env: NodeBindings) => Response | Promise<Response>;
  /**
   * Sees each request first, on Node's own objects; returns true when it has answered (or will),
   * false to hand the request to `fetch`. Lets hot static files skip the Request/Response translation.
   */
  bypass?: (incoming: IncomingMessage, outgoing: ServerResponse) => boolean;
  port: number;
  hostname?: string;
  /** Listen on this Unix socket instead of a port (a private channel between gazette's own processes). */
  socketPath?: string;
  /**
   * The request header that carries the client's address, set by gazette's own front processes: the app
   * then sees it as the socket address. Only for a listener nobody else can reach (`socketPath`).
   */
  clientAddressHeader?: string;
  /** How long close() for requests in flight before cutting their connections. Default 10 s. */
  closeTimeoutMs?: number;
}

export interface Listening {
  /** The bound port (useful when listening on port 0). */
  port: number;
  server: Server;
  /** Stops accepting connections, closes idle keep-alive sockets, and resolves once open requests have finished. */
  close(): Promise<void>;
}

/** Opens an HTTP/1.1 listener for `fetch`; resolves once the port is bound. */
export function listen(options: ListenOptions): Promise<Listening> {
  const header = options.clientAddressHeader;
  const fetch: ListenOptions['fetch'] =
    header === undefined
      ? options.fetch
      : (request, env) => {
          const incoming = env.incoming;
          const forwarded = incoming?.headers?.[header];
          const remoteAddress = typeof forwarded === 'string' && forwarded !== '' ? forwarded : undefined;
          // IncomingMessage keeps headers behind a getter: name what the app reads.
          return options.fetch(request, {
            ...env,
            incoming: { url: incoming?.url, headers: incoming?.headers, socket: { remoteAddress } },
          });
        };
  const viaHono = getRequestListener(fetch as never);
  const bypass = options.bypass;
  const server = createServer(
    bypass
      ? (incoming, outgoing) => {
          if (!bypass(incoming, outgoing)) void viaHono(incoming, outgoing);
        }
      : (incoming, outgoing) => void viaHono(incoming, outgoing),
  );
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const onListening = (): void => {
      server.off('error', reject);
      const info = server.address();
      resolve({
        port: typeof info === 'object' && info !== null ? (info as AddressInfo).port : 0,
        server,
        close: () =>
          new Promise<void>((done, fail) => {
            // A client that keeps its connection busy must not hold the shutdown forever.
            const force = setTimeout(() => server.closeAllConnections(), options.closeTimeoutMs ?? 10_000);
            force.unref();
            server.close((err) => {
              clearTimeout(force);
              if (err) fail(err);
              else done();
            });
            server.closeIdleConnections();
          }),
      });
    };
    if (options.socketPath !== undefined) server.listen(options.socketPath, onListening);
    else server.listen(options.port, options.hostname, onListening);
  });
}
