// Adapter for intl-messageformat (FormatJS): ICU MessageFormat with the language's own plural rules
// (CLDR, through Intl.PluralRules), so `{count, plural, one {# новость} few {# новости} many {# новостей}}`
// is right in every language. A message is parsed once, when its catalog is loaded.
import { IntlMessageFormat } from 'intl-messageformat';

export type MessageValues = Record<string, string | number | Date>;

/** One compiled message of one language. */
export interface CompiledMessage {
  format(values?: MessageValues): string;
  /** The names of the arguments the message uses, e.g. `count`, `site`. */
  readonly argumentNames: readonly string[];
}

export class MessageSyntaxError extends Error {}

function argumentsOf(ast: readonly unknown[], into: Set<string>): Set<string> {
  for (const node of ast as Array<{
    type: number;
    value?: unknown;
    options?: Record<string, { value: unknown[] }>;
    children?: unknown[];
  }>) {
    // literal (0) and pound (7) carry no argument name
    if (node.type !== 0 && node.type !== 7 && typeof node.value === 'string') into.add(node.value);
    for (const option of Object.values(node.options ?? {})) argumentsOf(option.value, into);
    if (node.children) argumentsOf(node.children, into);
  }
  return into;
}

/** Parses `source` for `locale`; throws MessageSyntaxError with the parser's words. */
export function compileMessage(source: string, locale: string): CompiledMessage {
  let message: IntlMessageFormat;
  try {
    message = new IntlMessageFormat(source, locale, undefined, { ignoreTag: true });
  } catch (err) {
    throw new MessageSyntaxError((err as Error).message, { cause: err });
  }
  const argumentNames = [...argumentsOf(message.getAst(), new Set())];
  return {
    argumentNames,
    format(values) {
      const out = message.format(values);
      return Array.isArray(out) ? out.join('') : String(out);
    },
  };
}
