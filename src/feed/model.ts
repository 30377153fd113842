// The format-neutral shape of one feed document, built from NewsItems and the site config.
import type { Config } from '../config/schema.ts';
import type { ItemImage, NewsItem, Person } from '../content/types.ts';
import { tagUri } from './ids.ts';
import { stripIllegalXmlChars } from './xml.ts';

export type FeedFormat = 'rss' | 'atom' | 'json';

export interface FeedEntry {
  /** tag: URI, stable across slug, title and URL changes. */
  id: string;
  title: string;
  /** Where the item is read: its page on the site, or its canonical `link` elsewhere. */
  url: string;
  /** Set when the item's canonical page is elsewhere (`link`). */
  externalUrl?: string;
  published: Date;
  updated: Date;
  /** Plain text. */
  summary: string;
  contentHtml: string;
  authors: Person[];
  tags: string[];
  image?: ItemImage;
  lang?: string;
  /** The same story in other languages of the site (Atom names them as hreflang alternates). */
  translations?: { lang: string; url: string }[];
}

/**
 * Each entry's serialized form in one format, made once and reused by every document that holds
 * the entry (the subscription feed, an archive page, tag feeds). Keyed by the entry object; one
 * cache serves the documents of one site (one tags URL) in one format.
 */
export type EntryCache = Map<FeedEntry, string> | WeakMap<FeedEntry, string>;

/** One document of one format: a subscription feed or an RFC 5005 archive page. */
export interface FeedDocument {
  format: FeedFormat;
  /** Feed id (tag: URI): the same for a subscription feed and its archive pages. */
  id: string;
  title: string;
  description: string;
  language: string;
  author: Person;
  copyright?: string;
  image?: string;
  /** The HTML page the feed mirrors. */
  homeUrl: string;
  /** This document's own URL. */
  selfUrl: string;
  /** The subscription document of this feed, in this format. */
  currentUrl: string;
  prevArchiveUrl?: string;
  nextArchiveUrl?: string;
  /** The WebSub hub readers may subscribe through (subscription documents only). */
  hubUrl?: string;
  archive: boolean;
  /** Newest `updated` of the entries. */
  updated: Date;
  /** Newest `published` of the entries. */
  published: Date;
  stylesheetUrl: string;
  /** Base URL of the site's tag pages: the taxonomy RSS categories name. */
  tagsUrl: string;
  entries: FeedEntry[];
}

/** Feeds of an empty site still need a date; the year the site was established is a fixed one. */
export function emptyFeedDate(config: Config): Date {
  return new Date(Date.UTC(config.site.established, 0, 1));
}

/** Normalised the way `new URL` prints it, so every format carries the same bytes for one URL. */
export function normalizeUrl(url: string): string {
  return new URL(stripIllegalXmlChars(url)).href;
}

/** A NewsItem as feeds see it: control characters gone, URLs normalised, id minted, author resolved. */
export function toFeedEntry(item: NewsItem, config: Config, idPrefix: string): FeedEntry {
  const clean = stripIllegalXmlChars;
  const author = item.author ?? config.site.author;
  const tags = [...new Set(item.tags.map((t) => clean(t)).filter((t) => t.trim() !== ''))];
  return {
    id: tagUri(idPrefix, clean(item.id)),
    title: clean(item.title),
    url: normalizeUrl(item.link ?? item.url),
    ...(item.link !== undefined ? { externalUrl: normalizeUrl(item.link) } : {}),
    published: item.published,
    updated: item.updated,
    summary: clean(item.summary),
    contentHtml: clean(item.contentHtml),
    authors: [cleanPerson(author)],
    tags,
    ...(item.image !== undefined
      ? {
          image: {
            ...item.image,
            url: normalizeUrl(item.image.url),
            alt: clean(item.image.alt),
            type: clean(item.image.type),
          },
        }
      : {}),
    ...(item.lang !== undefined ? { lang: clean(item.lang) } : {}),
  };
}

function cleanPerson(person: Person): Person {
  return {
    name: stripIllegalXmlChars(person.name),
    ...(person.email !== undefined ? { email: stripIllegalXmlChars(person.email) } : {}),
    ...(person.url !== undefined ? { url: normalizeUrl(person.url) } : {}),
  };
}
