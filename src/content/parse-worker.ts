// The parser thread's side: takes shares of the content folder's Markdown files, reads and
// parses them, and answers with the results in their wire form.
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { readAndParseFiles } from './chunk.ts';
import type { ParseSettings } from './parse.ts';
import { failureToWire, parsedToWire, type WireFailure, type WireParsedFile } from './wire.ts';

/** Marks the data of a content parser thread, so that loading this module elsewhere serves nothing. */
export const PARSER_THREAD_ROLE = 'gazette-content-parser';

/** What the main thread gives each parser thread when it starts it. */
export interface ParserThreadData {
  role: typeof PARSER_THREAD_ROLE;
  contentDir: string;
  settings: ParseSettings;
  localFiles: Map<string, number>;
}

export type ToParserThread = { type: 'chunk'; id: number; paths: string[] };

export type FromParserThread =
  | { type: 'ready' }
  | { type: 'parsed'; id: number; files: WireParsedFile[] }
  | { type: 'failed'; id: number; error: WireFailure };

/** Answers `chunk` messages on `port` until the thread is terminated. */
export function serveParserThread(port: MessagePort, data: ParserThreadData): void {
  const post = (message: FromParserThread): void => port.postMessage(message);
  port.on('message', (message: ToParserThread) => {
    if (message.type !== 'chunk') return;
    readAndParseFiles(data.contentDir, message.paths, data.settings, data.localFiles).then(
      (parsed) => post({ type: 'parsed', id: message.id, files: parsed.map(parsedToWire) }),
      (error: unknown) => post({ type: 'failed', id: message.id, error: failureToWire(error) }),
    );
  });
  post({ type: 'ready' });
}

// A thread started to parse content serves as soon as this module is loaded, whether through
// the sources' entry (parse-worker.mjs) or as a compiled module.
if (!isMainThread && parentPort !== null && (workerData as Partial<ParserThreadData> | null)?.role === PARSER_THREAD_ROLE) {
  serveParserThread(parentPort, workerData as ParserThreadData);
}
