// Content module: Markdown files with YAML front matter → validated, rendered, sanitized NewsItem[].
export { parseContent, compareItems, defaultSlug, itemPageUrl, type SourceFile } from './parse.ts';
export { loadContent, readContentFolder } from './load.ts';
export type { NewsItem, Person, ItemImage, ItemAsset } from './types.ts';
