// Feed validity checks for tests: XML well-formedness (fast-xml-parser and xmllint), Atom against
// RFC 4287's RELAX NG schema (jing), JSON Feed against the 1.1 JSON Schema (ajv), RSS against
// the RSS Advisory Board profile as the W3C Feed Validator applies it, and RSS and Atom through the
// W3C Feed Validator itself (vendored in tools/feedvalidator).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/feed');
const W3C_VALIDATOR = path.resolve(import.meta.dirname, '../../tools/feedvalidator/validate-feed');
// The script names /usr/bin/python3 itself: the Debian modules it needs are not in other Pythons.
const SYSTEM_PYTHON = '/usr/bin/python3';

export interface NamedDocument {
  name: string;
  text: string;
}

/** fast-xml-parser's validator: null when well-formed, else the first error. */
export function xmlSyntaxError(xml: string): string | null {
  const result = XMLValidator.validate(xml);
  return result === true ? null : `${result.err.code} at line ${result.err.line}: ${result.err.msg}`;
}

function withFiles<T>(docs: readonly NamedDocument[], run: (files: string[]) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), 'gazette-feed-'));
  try {
    const files = docs.map((doc, i) => {
      const file = path.join(dir, `${i}-${doc.name.replace(/[^\p{L}\p{N}.-]+/gu, '_')}`);
      writeFileSync(file, doc.text);
      return file;
    });
    return run(files);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** xmllint --noout over every document at once; returns its complaints (empty when all are well-formed). */
export function xmllintErrors(docs: readonly NamedDocument[]): string[] {
  return withFiles(docs, (files) => {
    const run = spawnSync('xmllint', ['--noout', '--nonet', ...files], { encoding: 'utf8' });
    if (run.error) throw run.error;
    return run.stderr.split('\n').filter((line) => line.trim() !== '');
  });
}

/** jing -c against RFC 4287 Appendix B over every document at once; returns the errors. */
export function atomSchemaErrors(docs: readonly NamedDocument[]): string[] {
  return withFiles(docs, (files) => {
    const run = spawnSync('jing', ['-c', path.join(FIXTURES, 'atom.rnc'), ...files], { encoding: 'utf8' });
    if (run.error) throw run.error;
    // Debian's wrapper warns on stderr about optional jars; errors go to stdout.
    const errors = run.stdout.split('\n').filter((line) => line.trim() !== '');
    if (run.status !== 0 && errors.length === 0) throw new Error(`jing failed: ${run.stderr}`);
    return errors;
  });
}

// Both packages are CommonJS with a default export that NodeNext types as the module namespace.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;
// strictRequired would reject the spec's "at least one of" rules written as anyOf of required lists.
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
addFormats(ajv);
const jsonFeedSchema = ajv.compile(JSON.parse(readFileSync(path.join(FIXTURES, 'jsonfeed-1.1.schema.json'), 'utf8')));

/** Errors of one JSON Feed document against the 1.1 schema. */
export function jsonFeedSchemaErrors(json: string): string[] {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (err) {
    return [`not JSON: ${(err as Error).message}`];
  }
  return jsonFeedSchema(data)
    ? []
    : (jsonFeedSchema.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

// --- W3C Feed Validator ----------------------------------------------------------------------

/**
 * Warnings that need no action. The validator's documentation of DuplicateUpdated says so when two
 * entries really changed at the same instant, which items published together do.
 */
const W3C_ALLOWED = new Set(['DuplicateUpdated']);

let w3cReady = false;

function requireW3cValidator(): void {
  if (w3cReady) return;
  const check = spawnSync(SYSTEM_PYTHON, ['-c', 'import html5lib, libxml2, rdflib'], { encoding: 'utf8' });
  if (check.error || check.status !== 0)
    throw new Error(
      `the W3C Feed Validator needs ${SYSTEM_PYTHON} with html5lib, libxml2 and rdflib ` +
        `(run scripts/install-system-deps.sh): ${check.error?.message ?? check.stderr.trim().split('\n').at(-1)}`,
    );
  w3cReady = true;
}

/**
 * Runs the W3C Feed Validator with --strict over one RSS or Atom document served at `url` (its
 * rel="self" is checked against it) and returns each warning and error as the validator prints it
 * ("WARNING MisplacedItem line 13, column 8: Misplaced Item"), DuplicateUpdated left out.
 */
export function w3cFeedProblems(doc: NamedDocument, url: string): string[] {
  requireW3cValidator();
  return withFiles([doc], ([file]) => {
    const run = spawnSync(W3C_VALIDATOR, [file!, '--base', url, '--strict'], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    if (run.error) throw run.error;
    const lines = run.stdout.split('\n').filter((line) => line.trim() !== '');
    const summary = lines.at(-1) ?? '';
    if ((run.status !== 0 && run.status !== 1) || !/ -> (VALID|INVALID)$/.test(summary))
      throw new Error(`validate-feed failed on ${doc.name} (exit ${run.status}): ${run.stdout}${run.stderr}`);
    const problems = lines
      .filter((line) => /^(ERROR|WARNING) /.test(line))
      .map((line) => line.replace(/\s+/g, ' '))
      .filter((line) => !W3C_ALLOWED.has(line.split(' ')[1]!));
    if (!/feedType=(RSS 2\.0|Atom 1\.0) /.test(summary)) problems.push(`not read as RSS 2.0 or Atom 1.0: ${summary}`);
    return problems;
  });
}

// --- RSS profile -------------------------------------------------------------------------------

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const RFC822 =
  // long-line: one regex for the whole RFC 822 date
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (GMT|UT|Z|[+-]\d{4}|EST|EDT|CST|CDT|MST|MDT|PST|PDT)$/;
const ABSOLUTE_HTTP = /^https?:\/\/[^\s/]+/;
const MIME = /^[a-z]+\/[A-Za-z0-9.+-]+$/;
const EMAIL_AUTHOR = /^[^\s@]+@[^\s@]+\.[^\s@]+( \(.+\))?$/;
const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const URL_ATTRS =
  /\s(href|src|poster|action|cite|background|longdesc|usemap|formaction|data)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/gi;
const SRCSET_ATTR = /\ssrcset\s*=\s*("([^"]*)"|'([^']*)')/gi;
const DANGEROUS =
  /<(script|iframe|embed|object|frame|frameset|applet|meta|link|style|form)\b|\son[a-z]+\s*=|javascript:/i;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  isArray: (name) =>
    ['item', 'category', 'atom:link', 'enclosure', 'channel', 'guid', 'dc:creator', 'author'].includes(name),
});

type Node = Record<string, unknown>;

function textOf(node: unknown): string | undefined {
  if (node === undefined || node === null) return undefined;
  if (typeof node === 'string') return node;
  if (typeof node === 'object' && '#text' in (node as Node)) return String((node as Node)['#text']);
  if (typeof node === 'object') return '';
  return String(node);
}

function checkDate(value: string | undefined, where: string, problems: string[], required: boolean): void {
  if (value === undefined) {
    if (required) problems.push(`${where}: missing`);
    return;
  }
  const m = RFC822.exec(value);
  if (!m) {
    problems.push(`${where}: "${value}" is not an RFC 822 date with a four-digit year and a zone`);
    return;
  }
  const instant = new Date(Date.parse(value));
  if (Number.isNaN(instant.getTime())) {
    problems.push(`${where}: "${value}" is not a real date`);
    return;
  }
  if (m[8] === 'GMT' || m[8] === 'UT' || m[8] === 'Z' || m[8] === '+0000') {
    if (DAYS[instant.getUTCDay()] !== m[1]) problems.push(`${where}: "${value}" names the wrong day of the week`);
    if (instant.getUTCDate() !== Number(m[2]) || MONTHS[instant.getUTCMonth()] !== m[3])
      problems.push(`${where}: "${value}" is not a real day`);
  }
}

function checkHtml(html: string | undefined, where: string, problems: string[]): void {
  if (html === undefined) return;
  for (const m of html.matchAll(URL_ATTRS)) {
    const url = (m[3] ?? m[4] ?? m[5] ?? '').trim();
    if (url.startsWith('#') || /^mailto:|^tel:/i.test(url)) continue;
    if (!ABSOLUTE_HTTP.test(url)) problems.push(`${where}: relative or non-http URL in ${m[1]}="${url}"`);
  }
  for (const m of html.matchAll(SRCSET_ATTR)) {
    for (const candidate of (m[2] ?? m[3] ?? '').split(',')) {
      const url = candidate.trim().split(/\s+/)[0] ?? '';
      if (url !== '' && !ABSOLUTE_HTTP.test(url)) problems.push(`${where}: relative URL in srcset "${url}"`);
    }
  }
  const danger = DANGEROUS.exec(html);
  if (danger) problems.push(`${where}: potentially dangerous markup "${danger[0]}"`);
}

/**
 * Every violation of the RSS Advisory Board's RSS profile that the W3C Feed Validator reports as
 * an error or warning, as far as one document can show it. `selfUrl` is where the document is served.
 */
export function rssProfileViolations(xml: string, selfUrl: string): string[] {
  const problems: string[] = [];
  const syntax = xmlSyntaxError(xml);
  if (syntax !== null) return [`not well-formed: ${syntax}`];
  if (!/^<\?xml version="1\.0" encoding="utf-8"\?>/i.test(xml))
    problems.push('document does not start with an XML declaration naming utf-8');
  const doc = parser.parse(xml) as Node;
  const rss = doc.rss as Node | undefined;
  if (rss === undefined) return ['root element is not <rss>'];
  if (rss['@version'] !== '2.0') problems.push('rss version is not "2.0"');
  const namespaces: Record<string, string> = {};
  for (const [key, value] of Object.entries(rss))
    if (key.startsWith('@xmlns:')) namespaces[key.slice(7)] = String(value);
  const channels = (rss.channel as Node[] | undefined) ?? [];
  if (channels.length !== 1) return [...problems, `expected one <channel>, found ${channels.length}`];
  const channel = channels[0]!;
  const uses = (prefix: string): boolean => new RegExp(`<${prefix}:`).test(xml);
  const expectNs = (prefix: string, uri: string): void => {
    if (uses(prefix) && namespaces[prefix] !== uri)
      problems.push(`prefix ${prefix}: used without xmlns:${prefix}="${uri}" on <rss>`);
  };
  expectNs('atom', 'http://www.w3.org/2005/Atom');
  expectNs('content', 'http://purl.org/rss/1.0/modules/content/');
  expectNs('dc', 'http://purl.org/dc/elements/1.1/');

  for (const name of ['title', 'link', 'description']) {
    const value = textOf(channel[name]);
    if (value === undefined || value === '') problems.push(`channel: <${name}> missing or empty`);
  }
  const channelLink = textOf(channel.link) ?? '';
  if (!ABSOLUTE_HTTP.test(channelLink))
    problems.push(`channel: <link> "${channelLink}" is not an absolute http(s) URL`);
  const language = textOf(channel.language);
  if (language === undefined) problems.push('channel: <language> missing');
  else if (!LANGUAGE.test(language)) problems.push(`channel: <language> "${language}" is not a language code`);
  checkDate(textOf(channel.pubDate), 'channel <pubDate>', problems, false);
  checkDate(textOf(channel.lastBuildDate), 'channel <lastBuildDate>', problems, false);
  const ttl = textOf(channel.ttl);
  if (ttl !== undefined && !/^\d+$/.test(ttl)) problems.push(`channel: <ttl> "${ttl}" is not a whole number`);
  for (const author of ['managingEditor', 'webMaster']) {
    const value = textOf(channel[author]);
    if (value !== undefined && !EMAIL_AUTHOR.test(value))
      problems.push(`channel: <${author}> "${value}" is not an e-mail address`);
  }
  const image = channel.image as Node | undefined;
  if (image !== undefined) {
    if (!ABSOLUTE_HTTP.test(textOf(image.url) ?? '')) problems.push('channel image: <url> is not an absolute URL');
    if (textOf(image.title) !== textOf(channel.title))
      problems.push('channel image: <title> differs from the channel title');
    if (textOf(image.link) !== channelLink) problems.push('channel image: <link> differs from the channel link');
  }

  const atomLinks = ((channel['atom:link'] as Node[] | undefined) ?? []).map((l) => ({
    rel: String(l['@rel'] ?? 'alternate'),
    href: String(l['@href'] ?? ''),
    type: l['@type'] === undefined ? undefined : String(l['@type']),
  }));
  const self = atomLinks.filter((l) => l.rel === 'self');
  if (self.length !== 1) problems.push(`channel: expected one atom:link rel="self", found ${self.length}`);
  else {
    if (self[0]!.href !== selfUrl)
      problems.push(`channel: atom:link rel="self" is "${self[0]!.href}", the document is served at "${selfUrl}"`);
    if (self[0]!.type !== 'application/rss+xml')
      problems.push('channel: atom:link rel="self" lacks type="application/rss+xml"');
  }
  for (const link of atomLinks) {
    if (!ABSOLUTE_HTTP.test(link.href))
      problems.push(`channel: atom:link rel="${link.rel}" href "${link.href}" is not absolute`);
  }

  const items = (channel.item as Node[] | undefined) ?? [];
  const guids = new Map<string, number>();
  items.forEach((item, index) => {
    const where = `item ${index + 1}`;
    const title = textOf(item.title);
    const description = textOf(item.description);
    if ((title === undefined || title === '') && (description === undefined || description === '')) {
      problems.push(`${where}: neither title nor description`);
    }
    const link = textOf(item.link);
    if (link === undefined) problems.push(`${where}: <link> missing`);
    else if (!ABSOLUTE_HTTP.test(link)) problems.push(`${where}: <link> "${link}" is not an absolute http(s) URL`);
    const guidNodes = (item.guid as unknown[] | undefined) ?? [];
    if (guidNodes.length !== 1) problems.push(`${where}: expected one <guid>, found ${guidNodes.length}`);
    else {
      const guidNode = guidNodes[0];
      const guid = textOf(guidNode) ?? '';
      const permaAttr =
        typeof guidNode === 'object' && guidNode !== null ? (guidNode as Node)['@isPermaLink'] : undefined;
      if (permaAttr !== undefined && permaAttr !== 'true' && permaAttr !== 'false')
        problems.push(`${where}: isPermaLink="${String(permaAttr)}"`);
      if (permaAttr !== 'false' && !ABSOLUTE_HTTP.test(guid))
        problems.push(`${where}: guid "${guid}" is a permalink but not an http(s) URL`);
      if (guid === '') problems.push(`${where}: empty <guid>`);
      const seen = guids.get(guid);
      if (seen !== undefined) problems.push(`${where}: guid "${guid}" repeats item ${seen}`);
      guids.set(guid, index + 1);
    }
    checkDate(textOf(item.pubDate), `${where} <pubDate>`, problems, true);
    for (const author of (item.author as unknown[] | undefined) ?? []) {
      const value = textOf(author) ?? '';
      if (!EMAIL_AUTHOR.test(value))
        problems.push(`${where}: <author> "${value}" is not an e-mail address (use dc:creator for names)`);
    }
    const enclosures = (item.enclosure as Node[] | undefined) ?? [];
    if (enclosures.length > 1) problems.push(`${where}: more than one <enclosure>`);
    for (const enclosure of enclosures) {
      const url = String(enclosure['@url'] ?? '');
      const length = enclosure['@length'];
      const type = String(enclosure['@type'] ?? '');
      if (!ABSOLUTE_HTTP.test(url)) problems.push(`${where}: enclosure url "${url}" is not absolute`);
      if (length === undefined || !/^\d+$/.test(String(length)))
        problems.push(`${where}: enclosure length "${String(length)}" is not a whole number`);
      if (!MIME.test(type)) problems.push(`${where}: enclosure type "${type}" is not a MIME type`);
    }
    for (const category of (item.category as unknown[] | undefined) ?? []) {
      if ((textOf(category) ?? '') === '') problems.push(`${where}: empty <category>`);
    }
    checkHtml(description, `${where} <description>`, problems);
    checkHtml(textOf(item['content:encoded']), `${where} <content:encoded>`, problems);
  });
  return problems;
}
