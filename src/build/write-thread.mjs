// The build's writer thread (see write-behind.ts): writes the files the main thread renders, one
// after another with plain synchronous calls, so the main thread spends nothing on the file
// system but handing each file over. Plain JavaScript on node: modules only, so the same file
// serves the TypeScript sources and the compiled bundle.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

const { dir } = workerData;
const folders = new Set(['.']);
const hashes = [];
let failure;
let written = 0;

parentPort.on('message', (message) => {
  if (message.type === 'file') {
    if (failure === undefined) {
      try {
        const parent = path.posix.dirname(message.path);
        if (!folders.has(parent)) {
          mkdirSync(path.join(dir, parent), { recursive: true });
          folders.add(parent);
        }
        writeFileSync(path.join(dir, message.path), message.body, { flag: 'wx' });
        hashes[message.index] = createHash('sha256').update(message.body).digest('base64');
      } catch (error) {
        failure = { message: error.message, code: error.code };
        parentPort.postMessage({ type: 'failed', error: failure });
      }
    }
    written += message.body.byteLength;
    parentPort.postMessage({ type: 'written', bytes: written });
  } else if (message.type === 'end') {
    parentPort.postMessage(failure === undefined ? { type: 'done', hashes } : { type: 'failed', error: failure });
  }
});
