// Adapter for pino (structured JSON logs) and pino-pretty (readable lines on a TTY).
import { createRequire } from 'node:module';
import { pino } from 'pino';
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

/** Logs go to stderr so that command output on stdout stays clean for pipes. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stderr;
  const pretty = options.pretty ?? Boolean((destination as NodeJS.WriteStream).isTTY);
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  if (pretty) {
    // Only a terminal needs it: loaded then, so a process logging JSON does not carry it.
    const pinoPretty = createRequire(import.meta.url)('pino-pretty') as typeof pinoPrettyType;
    return pino(
      { level, redact },
      pinoPretty({
        destination: destination as never,
        sync: true,
        ignore: 'pid,hostname',
        translateTime: 'SYS:HH:MM:ss',
      }),
    );
  }
  return pino({ level, redact, base: undefined }, destination as never);
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
