// Adapter for mjml 5: compiles responsive-email markup to HTML. The one module that imports mjml.
import type mjml2htmlType from 'mjml';
import { GazetteError } from '../errors.ts';

// mjml and its dependencies take most of a second to load; every command imports this module
// (through the digest commands) but only the ones that render mail need it, so it loads on first use.
let loaded: Promise<typeof mjml2htmlType> | undefined;
function loadMjml(): Promise<typeof mjml2htmlType> {
  return (loaded ??= import('mjml').then((m) => m.default));
}

/** One problem the MJML validator found; `line` is 1-based in the compiled source. */
export interface MjmlIssue {
  line: number;
  tagName: string;
  message: string;
}

/** The template does not follow MJML's rules; `issues` lists every problem found. */
export class MjmlError extends GazetteError {
  readonly issues: readonly MjmlIssue[];
  constructor(message: string, issues: readonly MjmlIssue[], options?: { cause?: unknown }) {
    super('MJML_INVALID', message, options);
    this.issues = issues;
  }
}

/**
 * Compiles a complete MJML document (no mj-include: partials are resolved before this call)
 * with strict validation, so a broken template fails instead of sending broken mail.
 */
export async function compileMjml(source: string): Promise<string> {
  const mjml2html = await loadMjml();
  let result: Awaited<ReturnType<typeof mjml2html>>;
  try {
    result = await mjml2html(source, {
      validationLevel: 'strict',
      keepComments: false,
      // No web fonts: mail clients block them and they leak the reader's IP on open.
      fonts: {},
      ignoreIncludes: true,
      beautify: false,
      minify: false,
    });
  } catch (err) {
    const raw = (err as { errors?: unknown }).errors;
    const issues = Array.isArray(raw) ? raw.map(toIssue) : [];
    const detail = issues.length > 0 ? issues.map((i) => `line ${i.line} <${i.tagName}>: ${i.message}`).join('; ') : (err as Error).message;
    throw new MjmlError(`digest template is not valid MJML: ${detail}`, issues, { cause: err });
  }
  if (result.errors.length > 0) {
    const issues = result.errors.map(toIssue);
    throw new MjmlError(`digest template is not valid MJML: ${issues.map((i) => `line ${i.line} <${i.tagName}>: ${i.message}`).join('; ')}`, issues);
  }
  return result.html;
}

function toIssue(e: unknown): MjmlIssue {
  const o = (e ?? {}) as { line?: unknown; tagName?: unknown; message?: unknown };
  return { line: Number(o.line ?? 0), tagName: String(o.tagName ?? ''), message: String(o.message ?? e) };
}
