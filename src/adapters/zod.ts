// Adapter for zod, the schema library that validates config, front matter and API input.
import { z } from 'zod';

export { z };

export interface SchemaIssue {
  /** Dotted path of the offending key, e.g. `digest.from.address`; empty for the root. */
  path: string;
  message: string;
}

/** Validates `value` against `schema`; returns the parsed value or the list of issues. */
export function check<T>(
  schema: z.ZodType<T>,
  value: unknown,
): { ok: true; value: T } | { ok: false; issues: SchemaIssue[] } {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message:
        issue.code === 'unrecognized_keys'
          ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
          : issue.message,
    })),
  };
}
