// The view a digest is written from: what compose.ts builds and both the MJML templates and the text part read.
import type { DigestStrings } from './words.ts';

/** What the templates and the text part are written from; every string is plain text, unescaped. */
export interface DigestView {
  lang: string;
  subject: string;
  /** The hidden preview text mail clients show beside the subject: the intro, or the first titles. */
  preheader: string;
  siteTitle: string;
  siteUrl: string;
  siteHost: string;
  editionDate: string;
  editionDateIso: string;
  intro: string;
  countLine: string;
  /** `4 new items`, for the top line. */
  count: string;
  archiveUrl: string;
  postalAddress: string;
  /** The items shown in full. */
  items: DigestItemView[];
  /** The items after those, as linked titles only: what did not fit under Gmail's clipping size. */
  more: DigestLinkView[];
  /** Items of the edition not even listed (too many titles to fit); the edition's web page has them. */
  omitted: number;
  /** The templates' other words, in the digest's language. */
  t: DigestStrings;
}

export interface DigestItemView {
  title: string;
  url: string;
  /** The item's language (its `lang`, else the site's), set on its block. */
  lang: string;
  date: string;
  dateIso: string;
  summary: string;
  linkLabel: string;
  /** The link's accessible name: its label and the item's title, so a screen reader tells the links apart. */
  linkName: string;
  /** `alt` is empty for an image without image_alt: decorative, and then not a link of its own. */
  image?: { url: string; alt: string };
}

/** An item listed by its title only. */
export interface DigestLinkView {
  title: string;
  url: string;
  lang: string;
}
