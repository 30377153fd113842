// Adapter for hono (HTTP routing) and @hono/node-server (the Node.js listener): the only module importing them.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Hono } from 'hono';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { serve } from '@hono/node-server';

export { Hono, bodyLimit };
export type { Context, MiddlewareHandler };

/** What the Node.js listener passes to each request (`c.env`); absent under `app.request(...)` unless a test supplies it. */
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
  port: number;
  hostname?: string;
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
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: options.fetch as never, port: options.port, hostname: options.hostname },
      (info: AddressInfo) => {
        server.off('error', reject);
        resolve({
          port: info.port,
          server: server as Server,
          close: () =>
            new Promise<void>((done, fail) => {
              (server as Server).close((err) => (err ? fail(err) : done()));
              (server as Server).closeIdleConnections();
            }),
        });
      },
    );
    server.once('error', reject);
  });
}
