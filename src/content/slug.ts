// URL slugs for items and tags. Unicode letters are kept (Cyrillic, Tajik and Uzbek tags stay
// readable); anything that could escape a folder or break a URL path becomes a hyphen.
import { createHash } from 'node:crypto';
import { boundedMemo } from '../memo.ts';

// Slugs of recent texts: tags recur on thousands of items, and every build slugifies each again.
const remember = boundedMemo<string>(50_000);

/** Lower-case, NFC, letters/digits/marks kept, everything else collapsed to single hyphens. */
export function slugify(text: string): string {
  return remember(text, () => computeSlug(text));
}

function computeSlug(text: string): string {
  const slug = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  if (slug !== '') return slug;
  // A tag of only emoji or punctuation still needs a stable, distinct folder name.
  return `t-${createHash('sha256').update(text.normalize('NFC')).digest('hex').slice(0, 10)}`;
}

/** The slug as it appears in a URL path: each character percent-encoded where needed. */
export function slugPath(slug: string): string {
  return encodeURIComponent(slug);
}
