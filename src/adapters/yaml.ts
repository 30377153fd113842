// Adapter for js-yaml: YAML 1.2 with the core schema (no implicit dates: a date stays the text
// the author wrote), duplicate keys refused, and the line of the first problem.
import { CORE_SCHEMA, load, YAMLException } from 'js-yaml';

export class YamlSyntaxError extends Error {
  /** 1-based line within the parsed text, when the parser knows it. */
  readonly line: number | undefined;
  constructor(message: string, line: number | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.line = line;
  }
}

/** Parses one YAML document; throws YamlSyntaxError with the line of the first problem. */
export function parseYaml(text: string): unknown {
  try {
    return load(text, { schema: CORE_SCHEMA, json: false });
  } catch (err) {
    if (err instanceof YAMLException) {
      // mark.line is 0-based; `reason` is the message without js-yaml's excerpt of the text.
      const line = err.mark ? err.mark.line + 1 : undefined;
      throw new YamlSyntaxError(err.reason || err.message.split('\n')[0]!, line, { cause: err });
    }
    throw err;
  }
}
