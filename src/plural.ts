// Counted words by the language's plural rules (Intl.PluralRules), never by adding an "s".

const rulesByLocale = new Map<string, Intl.PluralRules>();

/** The forms of a counted phrase by plural category; `#` stands for the number. `other` is required. */
export interface PluralForms {
  zero?: string;
  one?: string;
  two?: string;
  few?: string;
  many?: string;
  other: string;
}

/** The form of `forms` that `n` takes in `locale` (default English), with `#` replaced by `n`. */
export function plural(n: number, forms: PluralForms, locale = 'en'): string {
  let rules = rulesByLocale.get(locale);
  if (rules === undefined) {
    rules = new Intl.PluralRules(locale);
    rulesByLocale.set(locale, rules);
  }
  const form = forms[rules.select(n) as keyof PluralForms] ?? forms.other;
  return form.replaceAll('#', String(n));
}

/** `1 item`, `2 items`: an English count of `one` (plural `other`, by default `one` + s). */
export function count(n: number, one: string, other = `${one}s`): string {
  return plural(n, { one: `# ${one}`, other: `# ${other}` });
}
