// Typed errors: every failure carries a stable `code` and, where it wraps another, a `cause`.
import { count } from './plural.ts';

/** Base class of every error gazette raises on purpose. */
export class GazetteError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** gazette.yaml (or the environment) is wrong; `key` is the dotted path of the offending setting. */
export class ConfigError extends GazetteError {
  readonly file: string;
  readonly key: string | undefined;
  constructor(message: string, options: { file: string; key?: string; cause?: unknown }) {
    super('CONFIG_INVALID', message, options);
    this.file = options.file;
    this.key = options.key;
  }
}

/** One content file is wrong. `file` is relative to the content folder. */
export class ContentError extends GazetteError {
  readonly file: string;
  readonly field: string | undefined;
  readonly line: number | undefined;
  constructor(
    code: string,
    message: string,
    options: { file: string; field?: string; line?: number; cause?: unknown },
  ) {
    const where = options.line !== undefined ? `${options.file}:${options.line}` : options.file;
    const what = options.field !== undefined ? ` (field "${options.field}")` : '';
    super(code, `${where}${what}: ${message}`, options);
    this.file = options.file;
    this.field = options.field;
    this.line = options.line;
  }
}

/** Every content error of one run, reported together. */
export class ContentErrors extends GazetteError {
  readonly errors: readonly ContentError[];
  constructor(errors: readonly ContentError[]) {
    super(
      'CONTENT_INVALID',
      `${count(errors.length, 'content error')}:\n${errors.map((e) => `  ${e.message}`).join('\n')}`,
    );
    this.errors = errors;
  }
}

/** A message to the operator: printed as one line, exit status non-zero. */
export class UsageError extends GazetteError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('USAGE', message, options);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
