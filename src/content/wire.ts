// Parse results as they cross between threads: structured clone keeps items (their Dates
// included) but not the classes of errors, so a ContentError travels as its fields.
import { ContentError } from '../errors.ts';
import type { ParsedFile } from './parse.ts';
import type { NewsItem } from './types.ts';

export interface WireContentError {
  code: string;
  /** The message without the `file:line (field "…"): ` prefix that ContentError adds. */
  detail: string;
  file: string;
  field?: string;
  line?: number;
  cause?: { name: string; message: string };
}

export type WireParsedFile = { path: string; item: NewsItem } | { path: string; errors: WireContentError[] };

/** The prefix ContentError's constructor puts before a message. */
function prefixOf(file: string, field: string | undefined, line: number | undefined): string {
  const where = line !== undefined ? `${file}:${line}` : file;
  const what = field !== undefined ? ` (field "${field}")` : '';
  return `${where}${what}: `;
}

export function errorToWire(error: ContentError): WireContentError {
  const prefix = prefixOf(error.file, error.field, error.line);
  const wire: WireContentError = {
    code: error.code,
    detail: error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message,
    file: error.file,
  };
  if (error.field !== undefined) wire.field = error.field;
  if (error.line !== undefined) wire.line = error.line;
  if (error.cause !== undefined) {
    const cause = error.cause instanceof Error ? error.cause : new Error(String(error.cause));
    wire.cause = { name: cause.name, message: cause.message };
  }
  return wire;
}

export function errorFromWire(wire: WireContentError): ContentError {
  const options: { file: string; field?: string; line?: number; cause?: unknown } = { file: wire.file };
  if (wire.field !== undefined) options.field = wire.field;
  if (wire.line !== undefined) options.line = wire.line;
  if (wire.cause !== undefined) {
    const cause = new Error(wire.cause.message);
    cause.name = wire.cause.name;
    options.cause = cause;
  }
  return new ContentError(wire.code, wire.detail, options);
}

export function parsedToWire(parsed: ParsedFile): WireParsedFile {
  return parsed.item !== undefined
    ? { path: parsed.path, item: parsed.item }
    : { path: parsed.path, errors: parsed.errors.map(errorToWire) };
}

export function parsedFromWire(wire: WireParsedFile): ParsedFile {
  return 'item' in wire
    ? { path: wire.path, item: wire.item }
    : { path: wire.path, errors: wire.errors.map(errorFromWire) };
}

/** A failure outside parsing (a file that cannot be read), as it crosses threads. */
export interface WireFailure {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
}

export function failureToWire(error: unknown): WireFailure {
  const e = error instanceof Error ? (error as NodeJS.ErrnoException) : new Error(String(error));
  const wire: WireFailure = { name: e.name, message: e.message };
  if (e.stack !== undefined) wire.stack = e.stack;
  const errno = e as NodeJS.ErrnoException;
  if (errno.code !== undefined) wire.code = errno.code;
  if (errno.errno !== undefined) wire.errno = errno.errno;
  if (errno.syscall !== undefined) wire.syscall = errno.syscall;
  if (errno.path !== undefined) wire.path = errno.path;
  return wire;
}

export function failureFromWire(wire: WireFailure): Error {
  const error = new Error(wire.message) as NodeJS.ErrnoException;
  error.name = wire.name;
  if (wire.stack !== undefined) error.stack = wire.stack;
  if (wire.code !== undefined) error.code = wire.code;
  if (wire.errno !== undefined) error.errno = wire.errno;
  if (wire.syscall !== undefined) error.syscall = wire.syscall;
  if (wire.path !== undefined) error.path = wire.path;
  return error;
}
