// Adapter for pino (structured JSON logs) and pino-pretty (readable lines on a TTY).
import { createRequire } from 'node:module';
import { pino, type Logger as PinoLogger } from 'pino';
import { ConfigError } from '../errors.ts';
import { writeAboveStatusLine } from '../status-line.ts';
import type pinoPrettyType from 'pino-pretty';
import type { Logger } from '../logger.ts';

export interface LoggerOptions {
  level?: string;
  /** Human-readable output; defaults to whether stderr is a terminal. */
  pretty?: boolean;
  destination?: NodeJS.WritableStream;
}

const redact = {
  paths: [
    'secret',
    'token',
    'password',
    'smtpUrl',
    'databaseUrl',
    '*.secret',
    '*.token',
    '*.password',
    'headers.authorization',
  ],
  censor: '[redacted]',
};

/** LOG_FORMAT: `json` or `pretty` forces the format; unset, a terminal gets pretty lines and anything else JSON. */
export function logFormat(value: string | undefined, terminal: boolean): 'json' | 'pretty' {
  if (value === undefined || value === '') return terminal ? 'pretty' : 'json';
  if (value === 'json' || value === 'pretty') return value;
  throw new ConfigError(`LOG_FORMAT must be json or pretty, got "${value}"`, {
    file: 'environment',
    key: 'LOG_FORMAT',
  });
}

/**
 * Logs go to stderr so that command output on stdout stays clean for pipes. Every line is written at once, in
 * order, above a progress bar if one is drawn (status-line.ts), never into it.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stderr;
  const terminal = Boolean((destination as NodeJS.WriteStream).isTTY);
  const pretty = options.pretty ?? logFormat(process.env.LOG_FORMAT, terminal) === 'pretty';
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  let write: (line: string) => void;
  if (pretty) {
    // Only pretty output needs it: loaded then, so a process logging JSON does not carry it.
    const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof pinoPrettyType;
    const prettify = prettyFactory({ ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss', colorize: terminal });
    write = (line) => writeAboveStatusLine(destination, prettify(line));
  } else {
    write = (line) => writeAboveStatusLine(destination, line);
  }
  return withMergedBindings(pino({ level, redact, base: undefined }, { write }), {});
}

/**
 * A child's bindings replace the parent's of the same name (`component: delivery` under `component: digest`),
 * where pino would write the key twice: each child is made from the root with the bindings merged.
 */
function withMergedBindings(root: PinoLogger, bindings: Record<string, unknown>): Logger {
  const self = Object.keys(bindings).length === 0 ? root : root.child(bindings);
  return {
    debug: (obj: object | string, msg?: string) => (msg === undefined ? self.debug(obj) : self.debug(obj, msg)),
    info: (obj: object | string, msg?: string) => (msg === undefined ? self.info(obj) : self.info(obj, msg)),
    warn: (obj: object | string, msg?: string) => (msg === undefined ? self.warn(obj) : self.warn(obj, msg)),
    error: (obj: object | string, msg?: string) => (msg === undefined ? self.error(obj) : self.error(obj, msg)),
    child: (more) => withMergedBindings(root, { ...bindings, ...more }),
  };
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
