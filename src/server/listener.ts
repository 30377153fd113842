// What starting a server takes and gives, shared by the single-process server (start.ts) and the clustered one.
import { GazetteError } from '../errors.ts';
import type { AppOptions } from './app.ts';

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

/** A port that cannot be bound, said the way an operator can act on: which port, from where, and why. */
export function listenError(err: unknown, port: number, hostname: string | undefined): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const where = `port ${port}${hostname ? ` on ${hostname}` : ''} (PORT or --port)`;
  if (code === 'EADDRINUSE')
    return new GazetteError('LISTEN_IN_USE', `cannot listen on ${where}: another process already uses it`);
  if (code === 'EACCES')
    return new GazetteError(
      'LISTEN_DENIED',
      `cannot listen on ${where}: ports below 1024 need privileges; use a higher port behind a proxy`,
    );
  if (code === 'EADDRNOTAVAIL')
    return new GazetteError('LISTEN_ADDRESS', `cannot listen on ${where}: this machine has no such address (--host)`);
  return err instanceof Error ? err : new Error(String(err));
}
