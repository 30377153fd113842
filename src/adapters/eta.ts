// Adapter for eta, the template engine: compiles in-memory template sources, never touches the disk.
import { Eta } from 'eta/core';
import { GazetteError } from '../errors.ts';

export interface TemplateEngineOptions {
  /** Template sources by name (no extension); templates include each other as `@name`. */
  templates: ReadonlyMap<string, string>;
  /** Where each template was read from, by name (e.g. `templates/digest-intro.mjml`), to name it in errors. */
  files?: ReadonlyMap<string, string>;
  /**
   * Default true: the newline after every tag is dropped, so control flow leaves no blank lines in markup.
   * False for plain text, where a line break is content: a tag ending in `-%>` drops its newline.
   */
  trimNewlines?: boolean;
}

/** Renders named templates with data; interpolations with `<%= %>` are HTML-escaped. */
export interface TemplateEngine {
  render(name: string, data: object): string;
  /**
   * Where line `line` (1-based) of what `render(name, data)` gives was written: the template file and its own
   * line, found by rendering again with line marks. Undefined when the output has no such line.
   */
  locate(name: string, data: object, line: number): TemplateLocation | undefined;
}

/** A place in a template file. */
export interface TemplateLocation {
  /** The template's file as `files` names it, else its name. */
  file: string;
  line: number;
}

/** A template failed to compile or to render; `template` is its name, `file` and `line` where it went wrong. */
export class TemplateRenderError extends GazetteError {
  readonly template: string;
  readonly file: string;
  readonly line: number | undefined;
  constructor(
    where: { template: string; file: string; line?: number | undefined },
    message: string,
    options?: { cause?: unknown },
  ) {
    super('TEMPLATE_INVALID', `${where.file}${where.line ? `:${where.line}` : ''}: ${message}`, options);
    this.template = where.template;
    this.file = where.file;
    this.line = where.line;
  }
}

/** Thrown inside a render, before the template that failed is known; the innermost template's wrapper names it. */
class Located extends Error {
  template: string | undefined;
  constructor(
    readonly line: number | undefined,
    readonly original: unknown,
  ) {
    super(original instanceof Error ? original.message : String(original));
  }
}

// Line marks: control characters no template holds, so a mark never collides with text.
const MARK_OPEN = '\u0001';
const MARK_CLOSE = '\u0002';
const MARK = /\u0001([^\u0001\u0002]*):(\d+)\u0002/g;

/** `source` with a mark naming `name` and the line at the start of every line that is not inside a tag. */
function markLines(source: string, name: string): string {
  const lines = source.split('\n');
  let inTag = false;
  return lines
    .map((text, i) => {
      const marked = inTag ? text : `${MARK_OPEN}${name}:${i + 1}${MARK_CLOSE}${text}`;
      const open = text.lastIndexOf('<%');
      const close = text.lastIndexOf('%>');
      if (open > close) inTag = true;
      else if (close > open) inTag = false;
      return marked;
    })
    .join('\n');
}

function message(err: unknown): string {
  // eta's own message for a runtime error repeats the source around the line; the first line says what failed
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s+$/, '');
}

/**
 * Compiles every template once. Templates receive their data as `it`, include
 * partials with `include('@name', data)` and wrap themselves with `layout('@name')`.
 */
export function createTemplateEngine(options: TemplateEngineOptions): TemplateEngine {
  const fileOf = (name: string) => options.files?.get(name) ?? name;
  const build = (marked: boolean): Eta => {
    // autoTrim removes the newline after a tag so control flow does not leave blank lines behind;
    // debug keeps the line of the tag being run, for errors
    const autoTrim = options.trimNewlines === false ? false : ([false, 'nl'] as [false, 'nl']);
    const eta = new Eta({ autoEscape: true, autoTrim, cache: true, useWith: false, debug: true });
    eta.RuntimeErr = (err: unknown, _source: string, line: number) => {
      throw err instanceof Located ? err : new Located(line, err);
    };
    for (const [name, source] of options.templates) {
      let compiled: ReturnType<Eta['compile']>;
      try {
        compiled = eta.compile(marked ? markLines(source, name) : source);
      } catch (err) {
        const line = /at line (\d+) col/.exec(err instanceof Error ? err.message : '')?.[1];
        throw new TemplateRenderError(
          { template: name, file: fileOf(name), line: line === undefined ? undefined : Number(line) },
          message(err).split('\n')[0]!,
          { cause: err },
        );
      }
      eta.loadTemplate(`@${name}`, function (this: Eta, data: object, opts: object) {
        try {
          return compiled.call(this, data, opts);
        } catch (err) {
          const located = err instanceof Located ? err : new Located(undefined, err);
          located.template ??= name;
          throw located;
        }
      } as ReturnType<Eta['compile']>);
    }
    return eta;
  };
  const eta = build(false);
  let tracing: Eta | undefined;
  const render = (engine: Eta, name: string, data: object): string => {
    try {
      return engine.render(`@${name}`, data);
    } catch (err) {
      const located = err instanceof Located ? err : new Located(undefined, err);
      const template = located.template ?? name;
      throw new TemplateRenderError(
        { template, file: fileOf(template), line: located.line },
        message(located.original),
        { cause: located.original },
      );
    }
  };
  return {
    render: (name, data) => render(eta, name, data),
    locate(name, data, line) {
      tracing ??= build(true);
      const out = render(tracing, name, data).split('\n');
      if (line < 1 || line > out.length) return undefined;
      // the last mark at or before the start of the line's text, and how many lines further down it is
      for (let i = line - 1; i >= 0; i--) {
        const marks = [...out[i]!.matchAll(MARK)];
        if (i === line - 1) {
          // a mark in the line itself counts when nothing but white space or other marks comes before it
          const first = marks[0];
          if (first && out[i]!.slice(0, first.index).replace(MARK, '').trim() === '') {
            return { file: fileOf(first[1]!), line: Number(first[2]) };
          }
        }
        const last = marks.at(-1);
        if (last) return { file: fileOf(last[1]!), line: Number(last[2]) + (line - 1 - i) };
      }
      return undefined;
    },
  };
}
