// Ports for tests: one that nothing listens on (yet), found by binding it and letting it go.
import { createServer } from 'node:net';

/** A port on 127.0.0.1 that was free a moment ago: to start a server on later, or to find nothing listening. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
