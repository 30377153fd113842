// Adapter for eta, the template engine: compiles in-memory template sources, never touches the disk.
import { Eta } from 'eta/core';
import { GazetteError } from '../errors.ts';

export interface TemplateEngineOptions {
  /** Template sources by name (no extension); templates include each other as `@name`. */
  templates: ReadonlyMap<string, string>;
}

/** Renders named templates with data; interpolations with `<%= %>` are HTML-escaped. */
export interface TemplateEngine {
  render(name: string, data: object): string;
}

/** A template failed to compile or to render; `template` is its name. */
export class TemplateRenderError extends GazetteError {
  readonly template: string;
  constructor(template: string, message: string, options?: { cause?: unknown }) {
    super('TEMPLATE_INVALID', `template "${template}": ${message}`, options);
    this.template = template;
  }
}

/**
 * Compiles every template once. Templates receive their data as `it`, include
 * partials with `include('@name', data)` and wrap themselves with `layout('@name')`.
 */
export function createTemplateEngine(options: TemplateEngineOptions): TemplateEngine {
  // autoTrim removes the newline after a tag so control flow does not leave blank lines behind.
  const eta = new Eta({ autoEscape: true, autoTrim: [false, 'nl'], cache: true, useWith: false });
  for (const [name, source] of options.templates) {
    try {
      eta.loadTemplate(`@${name}`, source);
    } catch (err) {
      throw new TemplateRenderError(name, err instanceof Error ? err.message : String(err), { cause: err });
    }
  }
  return {
    render(name, data) {
      try {
        return eta.render(`@${name}`, data);
      } catch (err) {
        throw new TemplateRenderError(name, err instanceof Error ? err.message : String(err), { cause: err });
      }
    },
  };
}
