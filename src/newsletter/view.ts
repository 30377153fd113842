// The view a digest is written from: what compose.ts builds and both the MJML templates and the text part read.

/** What the templates and the text part are written from; every string is plain text, unescaped. */
export interface DigestView {
  lang: string;
  subject: string;
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
  items: DigestItemView[];
}

export interface DigestItemView {
  title: string;
  url: string;
  date: string;
  dateIso: string;
  summary: string;
  linkLabel: string;
  image?: { url: string; alt: string };
}
