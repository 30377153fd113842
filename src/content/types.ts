// The data that flows from content/ to feeds, site and digest. Plain values only.

export interface Person {
  name: string;
  email?: string;
  url?: string;
}

export interface ItemImage {
  /** Absolute URL. */
  url: string;
  alt: string;
  /** MIME type derived from the file extension, e.g. image/jpeg. */
  type: string;
  /** Size in bytes when the image is a local file under content/ or public/. */
  length?: number;
}

/** A file under content/ that an item references by a relative path (its image, images or files in its body). */
export interface ItemAsset {
  /** Path relative to the content folder, forward slashes. */
  source: string;
  /** Path under public/ where the build publishes it, next to the item's page. */
  path: string;
}

/** One published (or publishable) news item, fully resolved: absolute URLs, sanitized HTML. */
export interface NewsItem {
  /** Stable identifier: front matter `id`, or the source path without extension. */
  id: string;
  /** URL path segment of the item page, unique across the site. */
  slug: string;
  /** Source file relative to the content folder, with forward slashes. */
  sourcePath: string;
  title: string;
  published: Date;
  /** Equals `published` when the file gives no `updated`. */
  updated: Date;
  author?: Person;
  /** Plain text, no markup. Given in front matter or derived from the first paragraph. */
  summary: string;
  /** Sanitized HTML with absolute links and image sources. */
  contentHtml: string;
  tags: string[];
  image?: ItemImage;
  /** Canonical URL elsewhere; when set, no item page is written and feeds link there. */
  link?: string;
  /** Absolute URL of the item: its page on the site, or `link`. */
  url: string;
  lang?: string;
  /** The id of the item this one translates (front matter `translation_of`), checked across files. */
  translationOf?: string;
  draft: boolean;
  /** Local files the item links to by relative path; absent when there are none. */
  assets?: ItemAsset[];
}
