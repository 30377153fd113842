// Stand-in for `gazette serve` while that command is not registered: the same server
// (startServer over public/, no subscriptions, no admin API), on the host and port given,
// with WORKERS worker processes (default 1: a single process).
// Usage: tsx bench/gazette-server.ts PUBLIC_DIR PORT [WORKERS]
import { runServerWorker, serverWorkerSetup, startServer } from '../src/server/index.ts';

const worker = serverWorkerSetup();
if (worker !== undefined) {
  await runServerWorker(worker);
} else {
  const [publicDir, port, workers] = process.argv.slice(2);
  if (!publicDir || !port) throw new Error('usage: gazette-server.ts PUBLIC_DIR PORT [WORKERS]');
  const server = await startServer({
    publicDir,
    site: { title: 'CARICC News', language: 'en' },
    port: Number(port),
    hostname: '127.0.0.1',
    workers: Number(workers ?? 1),
  });
  process.stdout.write(`serving ${publicDir} at ${server.url}\n`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
