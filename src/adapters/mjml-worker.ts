// The thread mjml compiles digests in (see compileMjml): loads the bundle once, then answers each
// document it is sent with its HTML and issues, until the main thread ends it.
import { parentPort, workerData } from 'node:worker_threads';
import { compileWith, loadMjmlBundle } from './mjml.ts';

const mjml = loadMjmlBundle((workerData as { bundle: string }).bundle);
parentPort!.on('message', (message: { id: number; source: string }) => {
  void compileWith(mjml, message.source).then((outcome) => parentPort!.postMessage({ id: message.id, ...outcome }));
});
