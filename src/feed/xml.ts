// The one place feed XML text is escaped: every string hand-written into a feed document passes here.

// XML 1.0 forbids C0 controls other than tab/LF/CR, U+FFFE/U+FFFF and unpaired surrogates; C1
// controls are allowed but discouraged (and in news text they are always debris from copy-paste).
// With the `u` flag a surrogate range matches only unpaired halves.
const ILLEGAL_XML_CHARS =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u0084\u0086-\u009F\uFFFE\uFFFF\uD800-\uDFFF]/gu;

// The same characters, with every surrogate (paired ones too) as a suspect: without the `u` flag
// V8 scans text far faster, and text with nothing to remove (nearly all of it) is returned as is.
const SUSPECT_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u0084\u0086-\u009F\uFFFE\uFFFF\uD800-\uDFFF]/;

/** Removes characters that may not (or should not) appear in an XML document. */
export function stripIllegalXmlChars(text: string): string {
  return SUSPECT_XML_CHARS.test(text) ? text.replace(ILLEGAL_XML_CHARS, '') : text;
}

/** Escapes character data (element content) that carries HTML: Atom type="html". */
export function escapeText(text: string): string {
  return stripIllegalXmlChars(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes plain text (titles, names, categories) with hexadecimal character references, as the RSS
 * Profile asks: a reader reads the same text as from `&amp;` and `&lt;`, and the W3C Feed Validator
 * takes `&#x26;` for text, where it reads a title showing "&amp;" or "<b>" as HTML escaped by mistake.
 */
export function escapePlainText(text: string): string {
  return stripIllegalXmlChars(text).replace(/&/g, '&#x26;').replace(/</g, '&#x3C;').replace(/>/g, '&#x3E;');
}

/** HTML as a CDATA section: every `]]>` in it is split across two sections. */
export function cdata(html: string): string {
  return `<![CDATA[${stripIllegalXmlChars(html).replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

/** Escapes an attribute value for use between double quotes. */
export function escapeAttr(text: string): string {
  return escapeText(text)
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

/** Escapes plain text for embedding as HTML (RSS description, Atom type="html"). */
export function plainTextToHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

type Attrs = Record<string, string | number | undefined>;

/** One element with plain-text content (escapePlainText); attributes in the order given, undefined ones left out. */
export function element(name: string, attrs: Attrs, text?: string): string {
  return text === undefined ? `<${name}${attributes(attrs)}/>` : rawElement(name, attrs, escapePlainText(text));
}

/** One element whose content is already escaped XML. */
export function rawElement(name: string, attrs: Attrs, xml: string): string {
  return `<${name}${attributes(attrs)}>${xml}</${name}>`;
}

function attributes(attrs: Attrs): string {
  return Object.entries(attrs)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}="${escapeAttr(String(value))}"`)
    .join('');
}
