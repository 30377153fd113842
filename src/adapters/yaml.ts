// Adapter for the `yaml` package (YAML 1.2: no implicit dates, precise error positions).
import { parse, YAMLParseError } from 'yaml';

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
    return parse(text, { prettyErrors: false, uniqueKeys: true, strict: true });
  } catch (err) {
    if (err instanceof YAMLParseError) {
      // linePos is only filled with prettyErrors; count lines up to the offset instead.
      const line = err.linePos?.[0]?.line ?? text.slice(0, err.pos[0]).split('\n').length;
      const firstLine = err.message.split('\n')[0] ?? err.message;
      throw new YamlSyntaxError(firstLine, line, { cause: err });
    }
    throw err;
  }
}
