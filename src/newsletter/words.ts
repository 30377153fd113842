// The digest's words in the reader's language, from the message catalogs' `digest:` section.
import type { Config } from '../config/schema.ts';
import { readCatalogs, type Messages } from '../i18n/catalog.ts';

/** What a message's words are cut into: the text before, between and after the named values. */
function around(messages: Messages, key: string, values: Record<string, string>, names: readonly string[]): string[] {
  const marks = Object.fromEntries(names.map((n, i) => [n, `\u0000${i}\u0000`]));
  const whole = messages.t(key, { ...values, ...marks });
  return whole.split(/\u0000\d+\u0000/);
}

/** The words the digest templates show, plain text (templates escape them). */
export interface DigestStrings {
  /** "News digest of " and what follows the date. */
  newsDigestOf: { before: string; after: string };
  viewInBrowser: string;
  noItemsSince: string;
  moreInDigest: string;
  readWhole: string;
  /** "… is subscribed to the …": before the address, between it and the site's name, after the name. */
  footerReason: { before: string; middle: string; after: string };
  footerReasonText: string;
  subscribedAddress: string;
  viewThisDigest: string;
  /** The link to the reader's preferences page. */
  preferences: string;
  /** "3 more items are on the digest's web page." for `omitted`. */
  omitted(count: number): string;
  /** The same, escaped for HTML text (quotes left as they are: it is never an attribute). */
  omittedHtml(count: number): string;
}

/** What a stored digest needs to greet each reader in its language. */
export interface DigestWords {
  /** The greeting without a name. */
  greeting: string;
  /** The greeting with one: the text before the name and after it. */
  greetingName: [string, string];
  unsubscribe: string;
}

export const ENGLISH_WORDS: DigestWords = {
  greeting: 'Hello,',
  greetingName: ['Hello ', ','],
  unsubscribe: 'Unsubscribe',
};

export function digestStrings(messages: Messages, site: { title: string; host: string }): DigestStrings {
  const [ndBefore = '', ndAfter = ''] = around(messages, 'digest.news_digest_of', {}, ['date']);
  const [frBefore = '', frMiddle = '', frAfter = ''] = around(messages, 'digest.footer_reason', { host: site.host }, [
    'email',
    'site',
  ]);
  return {
    newsDigestOf: { before: ndBefore, after: ndAfter },
    viewInBrowser: messages.t('digest.view_in_browser'),
    noItemsSince: messages.t('digest.no_items_since'),
    moreInDigest: messages.t('digest.more_in_digest'),
    readWhole: messages.t('digest.read_whole'),
    footerReason: { before: frBefore, middle: frMiddle, after: frAfter },
    footerReasonText: messages.t('digest.footer_reason_text', { site: site.title, host: site.host }),
    subscribedAddress: messages.t('digest.subscribed_address'),
    viewThisDigest: messages.t('digest.view_this_digest'),
    preferences: messages.t('digest.preferences'),
    omitted: (count) => messages.t('digest.omitted', { count }),
    omittedHtml: (count) =>
      messages
        .t('digest.omitted', { count })
        .replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;')),
  };
}

export function digestWords(messages: Messages): DigestWords {
  const [before = '', after = ''] = around(messages, 'digest.greeting_name', {}, ['name']);
  return {
    greeting: messages.t('digest.greeting'),
    greetingName: [before, after],
    unsubscribe: messages.t('digest.unsubscribe'),
  };
}

/** gazette's own English messages (a render given none: a preview, a test). */
export function builtinEnglish(config: Pick<Config, 'site'>): Messages {
  return readCatalogs({ languages: [{ code: 'en' }], site: config.site }).messages('en');
}
