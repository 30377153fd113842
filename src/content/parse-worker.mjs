// Entry of a content parser thread. The sources are TypeScript run through tsx with no build
// step, and a worker thread does not inherit the main thread's loader, so it loads them itself.
import { parentPort, workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const { serveParserThread } = await tsImport('./parse-worker.ts', import.meta.url);
serveParserThread(parentPort, workerData);
