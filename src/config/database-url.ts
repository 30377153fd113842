// DATABASE_URL read into where the database is: a SQLite file or a PostgreSQL server and schema.
import path from 'node:path';
import { ConfigError } from '../errors.ts';

export type DialectName = 'sqlite' | 'postgres';

/** Where a DATABASE_URL points: a SQLite file (or `:memory:`) or a PostgreSQL server and schema. */
export type DatabaseTarget =
  | { dialect: 'sqlite'; file: string }
  | { dialect: 'postgres'; connectionString: string; schema: string | undefined };

const ACCEPTED = 'postgres:// or postgresql:// (PostgreSQL), sqlite:PATH, file:PATH or a bare path (SQLite)';

function invalid(message: string): ConfigError {
  return new ConfigError(`DATABASE_URL: ${message}`, { file: 'environment', key: 'DATABASE_URL' });
}

/**
 * Reads DATABASE_URL. Unset: `<varDir>/gazette.db`. `postgres://` / `postgresql://`: PostgreSQL,
 * where a `schema` query parameter selects the schema (the search path of every connection).
 * `sqlite:PATH`, `file:PATH` or a bare path: a SQLite file, relative paths against `cwd`.
 * Any other `scheme://` is a ConfigError: a mistyped or unsupported URL would otherwise become a
 * SQLite file named after it. Errors name the scheme only, never the URL (it may hold a password).
 */
export function parseDatabaseUrl(url: string | undefined, varDir: string, cwd = process.cwd()): DatabaseTarget {
  if (url === undefined || url.trim() === '') return { dialect: 'sqlite', file: path.join(varDir, 'gazette.db') };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1];
  if (scheme !== undefined && !/^(postgres|postgresql|sqlite|file)$/i.test(scheme))
    throw invalid(`unknown scheme "${scheme}://"; accepted: ${ACCEPTED}`);
  if (/^postgres(ql)?:\/\//i.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw invalid('not a valid PostgreSQL URL');
    }
    const schema = parsed.searchParams.get('schema') ?? undefined;
    parsed.searchParams.delete('schema');
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw invalid(`schema "${schema}" must be a lower-case SQL identifier`);
    }
    return { dialect: 'postgres', connectionString: parsed.toString(), schema };
  }
  const match = /^(?:sqlite|file):(?:\/\/)?(.*)$/i.exec(url);
  const file = match ? match[1]! : url;
  if (file === '') throw invalid('the SQLite URL names no file');
  if (file === ':memory:') return { dialect: 'sqlite', file };
  return { dialect: 'sqlite', file: path.resolve(cwd, file) };
}
