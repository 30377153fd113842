// The build's writer thread (see write-behind.ts): writes the files the main thread renders, one
// after another with plain synchronous calls, so the main thread spends nothing on the file
// system, on encoding text or on hashing. Plain JavaScript on node: modules only, so the same
// file serves the TypeScript sources and the compiled bundle.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

const { dir } = workerData;
const folders = new Set(['.']);
const hashes = [];
let bytes = 0;
let failure;
let batches = 0;

function write(file) {
  const parent = path.posix.dirname(file.path);
  if (!folders.has(parent)) {
    mkdirSync(path.join(dir, parent), { recursive: true });
    folders.add(parent);
  }
  const body = typeof file.body === 'string' ? Buffer.from(file.body) : file.body;
  writeFileSync(path.join(dir, file.path), body, { flag: 'wx' });
  hashes[file.index] = createHash('sha256').update(body).digest('base64');
  bytes += body.byteLength;
}

parentPort.on('message', (message) => {
  if (message.type === 'files') {
    if (failure === undefined) {
      try {
        for (const file of message.files) write(file);
      } catch (error) {
        failure = { message: error.message, code: error.code };
        parentPort.postMessage({ type: 'failed', error: failure });
      }
    }
    parentPort.postMessage({ type: 'written', batches: ++batches });
  } else if (message.type === 'end') {
    parentPort.postMessage(failure === undefined ? { type: 'done', hashes, bytes } : { type: 'failed', error: failure });
  }
});
