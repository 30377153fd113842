// The front matter of a content file: its schema and the errors it produces, named by field.
import { z } from '../adapters/zod.ts';

const httpUrl = z.string().refine((u) => {
  try {
    return /^https?:$/.test(new URL(u).protocol);
  } catch {
    return false;
  }
}, 'must be an absolute http(s) URL');

const personObjectSchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty'),
  email: z.email('must be an email address').optional(),
  url: httpUrl.optional(),
});

const personSchema = z.union([z.string().trim().min(1, 'must not be empty'), personObjectSchema]);

/** Every field a content file may set (DESIGN.md); anything else is an error. */
export const frontMatterSchema = z.strictObject({
  title: z.string().trim().min(1, 'must not be empty'),
  date: z.string(),
  updated: z.string().optional(),
  id: z.string().trim().min(1, 'must not be empty').optional(),
  slug: z.string().trim().min(1, 'must not be empty').optional(),
  author: personSchema.optional(),
  summary: z.string().optional(),
  tags: z.array(z.string().trim().min(1, 'must not be empty')).optional(),
  image: z.string().trim().min(1, 'must not be empty').optional(),
  image_alt: z.string().optional(),
  link: httpUrl.optional(),
  draft: z.boolean().optional(),
  lang: z
    .string()
    .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag like "en" or "ru-KZ"')
    .optional(),
  /** The id of the same story in another language of the site. */
  translation_of: z.string().trim().min(1, 'must not be empty').optional(),
});

export type FrontMatter = z.output<typeof frontMatterSchema>;

export interface FieldProblem {
  code: 'UNKNOWN_FIELD' | 'MISSING_FIELD' | 'WRONG_TYPE' | 'INVALID_VALUE';
  /** Dotted path, e.g. `author.email` or `tags.2`. */
  field: string;
  message: string;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `text "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  return `${typeof value} ${String(value)}`;
}

const expectedWords: Record<string, string> = {
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v = data;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** Validates a front-matter mapping; returns the typed value or one problem per bad field. */
export function checkFrontMatter(
  data: Record<string, unknown>,
): { ok: true; value: FrontMatter } | { ok: false; problems: FieldProblem[] } {
  const result = frontMatterSchema.safeParse(data);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, problems: problemsOf(result.error.issues, data) };
}

function problemsOf(
  issues: readonly z.core.$ZodIssue[],
  data: unknown,
  prefix: readonly PropertyKey[] = [],
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const raw of issues) {
    const issue = { ...raw, path: [...prefix, ...raw.path] } as z.core.$ZodIssue;
    const field = issue.path.map(String).join('.');
    const value = valueAt(data, issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const where = field === '' ? key : `${field}.${key}`;
        problems.push({ code: 'UNKNOWN_FIELD', field: where, message: `unknown field "${where}"` });
      }
    } else if (issue.code === 'invalid_type' && value === undefined) {
      problems.push({ code: 'MISSING_FIELD', field, message: `missing required field "${field}"` });
    } else if (issue.code === 'invalid_type') {
      const expected = expectedWords[issue.expected] ?? issue.expected;
      problems.push({ code: 'WRONG_TYPE', field, message: `must be ${expected}, got ${describe(value)}` });
    } else if (issue.code === 'invalid_union' && field === 'author') {
      // Say what is wrong inside a mapping rather than that neither shape matched.
      const inner =
        value !== null && typeof value === 'object' && !Array.isArray(value)
          ? personObjectSchema.safeParse(value)
          : undefined;
      if (inner !== undefined && !inner.success) problems.push(...problemsOf(inner.error.issues, data, issue.path));
      else
        problems.push({
          code: 'WRONG_TYPE',
          field,
          message: `must be a name or a mapping with name, email and url, got ${describe(value)}`,
        });
    } else {
      problems.push({ code: 'INVALID_VALUE', field, message: issue.message });
    }
  }
  return problems;
}
