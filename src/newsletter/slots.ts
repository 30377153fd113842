// Per-recipient slots: a composed part is cut once at its placeholders, so personalizing is one join.
import { createHash } from 'node:crypto';

/** The values that differ between recipients (and between a message and the archived web page). */
export const SLOT_NAMES = ['greeting', 'email', 'unsubscribeUrl', 'unsubscribeLabel', 'preferencesUrl'] as const;
export type SlotName = (typeof SLOT_NAMES)[number];
export type SlotValues = Record<SlotName, string>;

/** A text cut at its slots: `parts[0] slot[0] parts[1] … slot[n-1] parts[n]`. Plain JSON data. */
export interface SlottedText {
  readonly parts: readonly string[];
  readonly slots: readonly SlotName[];
}

/** Joins the parts with the slot values: a few string concatenations, no scanning of the text. */
export function fillSlots(text: SlottedText, values: SlotValues): string {
  const { parts, slots } = text;
  let out = parts[0] ?? '';
  for (let i = 0; i < slots.length; i++) out += values[slots[i]!] + (parts[i + 1] ?? '');
  return out;
}

/** Placeholder tokens written into a template before it is compiled, found again afterwards. */
export interface SlotTokens {
  readonly tokens: SlotValues;
  /** Cuts the compiled text at every token. */
  split(compiled: string): SlottedText;
}

/**
 * Tokens are letters and digits only, so markup compilers and CSS inliners pass them through
 * untouched; the nonce is derived from the input and re-drawn until no input contains it,
 * so no content (however hostile) can forge a slot, and the same input gives the same tokens.
 */
export function createSlotTokens(inputs: readonly string[]): SlotTokens {
  let nonce = '';
  for (let round = 0; ; round++) {
    const hash = createHash('sha256');
    hash.update(String(round));
    for (const input of inputs) hash.update('\u0000').update(input);
    nonce = `gz${hash.digest('hex').slice(0, 16)}`;
    if (!inputs.some((input) => input.includes(nonce))) break;
  }
  const tokens = Object.fromEntries(
    SLOT_NAMES.map((name) => [name, `${nonce}${name}${nonce.slice(2, 6)}`]),
  ) as SlotValues;
  const pattern = new RegExp(`${nonce}(${SLOT_NAMES.join('|')})${nonce.slice(2, 6)}`, 'g');
  return {
    tokens,
    split(compiled) {
      const parts: string[] = [];
      const slots: SlotName[] = [];
      let last = 0;
      for (const match of compiled.matchAll(pattern)) {
        parts.push(compiled.slice(last, match.index));
        slots.push(match[1] as SlotName);
        last = match.index + match[0].length;
      }
      parts.push(compiled.slice(last));
      return { parts, slots };
    },
  };
}

/** A text assembled piece by piece, with slots where a recipient's values go. */
export class SlottedTextBuilder {
  private readonly parts: string[] = [''];
  private readonly slots: SlotName[] = [];

  text(s: string): this {
    this.parts[this.parts.length - 1] += s;
    return this;
  }

  slot(name: SlotName): this {
    this.slots.push(name);
    this.parts.push('');
    return this;
  }

  build(): SlottedText {
    return { parts: [...this.parts], slots: [...this.slots] };
  }
}
