// What starting a server takes and gives, shared by the single-process server (start.ts) and the clustered one.
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
