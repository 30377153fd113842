// DATABASE_URL read into where the database is: a SQLite file or a PostgreSQL server and schema.
import path from 'node:path';

export type DialectName = 'sqlite' | 'postgres';

/** Where a DATABASE_URL points: a SQLite file (or `:memory:`) or a PostgreSQL server and schema. */
export type DatabaseTarget =
  | { dialect: 'sqlite'; file: string }
  | { dialect: 'postgres'; connectionString: string; schema: string | undefined };

/**
 * Reads DATABASE_URL. Unset: `<varDir>/gazette.db`. `postgres://` / `postgresql://`: PostgreSQL,
 * where a `schema` query parameter selects the schema (the search path of every connection).
 * `sqlite:PATH`, `file:PATH` or a bare path: a SQLite file, relative paths against `cwd`.
 */
export function parseDatabaseUrl(url: string | undefined, varDir: string, cwd = process.cwd()): DatabaseTarget {
  if (url === undefined || url.trim() === '') return { dialect: 'sqlite', file: path.join(varDir, 'gazette.db') };
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get('schema') ?? undefined;
    parsed.searchParams.delete('schema');
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new Error(`DATABASE_URL: schema "${schema}" must be a lower-case SQL identifier`);
    }
    return { dialect: 'postgres', connectionString: parsed.toString(), schema };
  }
  const match = /^(?:sqlite|file):(?:\/\/)?(.*)$/i.exec(url);
  const file = match ? match[1]! : url;
  if (file === '') throw new Error('DATABASE_URL: the SQLite URL names no file');
  if (file === ':memory:') return { dialect: 'sqlite', file };
  return { dialect: 'sqlite', file: path.resolve(cwd, file) };
}
