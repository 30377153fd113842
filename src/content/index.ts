// Content module: Markdown files with YAML front matter → validated, rendered, sanitized NewsItem[].
export {
  parseContent,
  parseSourceFile,
  checkParsedFiles,
  publishedAt,
  localFilesOf,
  filesThatMayReference,
  isMarkdown,
  compareItems,
  defaultSlug,
  itemPageUrl,
  type SourceFile,
  type ParsedFile,
  type ParseSettings,
} from './parse.ts';
export {
  loadContent,
  parseContentFolder,
  readContentFolder,
  PARSER_THREAD_THRESHOLD,
  type LoadOptions,
} from './load.ts';
export type { NewsItem, Person, ItemImage, ItemAsset } from './types.ts';
