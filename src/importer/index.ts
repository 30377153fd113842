// Importer module: an existing RSS or Atom feed → content files, without duplicates on re-runs.
export { importFeed, scanExisting, type ImportFeedOptions, type ImportResult } from './run.ts';
export {
  planImport,
  htmlAsMarkdown,
  type ExistingContent,
  type ImportPlan,
  type PlannedFile,
  type SkippedItem,
} from './plan.ts';
export { fetchFeed, MAX_FEED_BYTES, MAX_REDIRECTS, type FetchFeedOptions } from './fetch.ts';
export { publicAddressOnly, type AddressCheck } from './address.ts';
