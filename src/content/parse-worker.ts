// The parser thread's side: takes shares of the content folder's Markdown files, reads and
// parses them, and answers with the results in their wire form.
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { readAndParseFiles } from './chunk.ts';
import {
  PARSER_THREAD_ROLE,
  type FromParserThread,
  type ParserSetup,
  type ParserThreadData,
  type ToParserThread,
} from './threads.ts';
import { failureToWire, parsedToWire } from './wire.ts';

/** Answers `chunk` messages on `port`, parsed with the last `setup` received, until the thread is terminated. */
export function serveParserThread(port: MessagePort): void {
  const post = (message: FromParserThread): void => port.postMessage(message);
  let setup: ParserSetup | undefined;
  port.on('message', (message: ToParserThread) => {
    if (message.type === 'setup') {
      setup = { contentDir: message.contentDir, settings: message.settings, localFiles: message.localFiles };
      return;
    }
    if (message.type !== 'chunk') return;
    const parse = setup
      ? readAndParseFiles(setup.contentDir, message.paths, setup.settings, setup.localFiles)
      : Promise.reject(new Error('a chunk came before the setup'));
    parse.then(
      (parsed) => post({ type: 'parsed', id: message.id, files: parsed.map(parsedToWire) }),
      (error: unknown) => post({ type: 'failed', id: message.id, error: failureToWire(error) }),
    );
  });
  post({ type: 'ready' });
}

// A thread started to parse content serves as soon as this module is loaded, whether through
// the sources' entry (parse-worker.mjs) or as a compiled module.
if (
  !isMainThread &&
  parentPort !== null &&
  (workerData as Partial<ParserThreadData> | null)?.role === PARSER_THREAD_ROLE
) {
  serveParserThread(parentPort);
}
