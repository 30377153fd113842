// feed/: published items + site config → RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents (pure).
import type { Config } from '../config/schema.ts';
import type { NewsItem } from '../content/types.ts';
import type { OutputFile } from '../output.ts';

/**
 * Renders every feed document: the subscription feeds, per-tag feeds, RFC 5005 archive pages
 * and the XSL stylesheet. `items` are published items, newest first. Pure and deterministic.
 */
export function renderFeeds(items: NewsItem[], config: Config): OutputFile[] {
  void items;
  void config;
  return [];
}
