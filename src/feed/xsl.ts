// feed.xsl: lets a browser that opens feed.xml (or atom.xml) show a readable page instead of raw XML.
import type { Messages } from '../i18n/catalog.ts';
import { escapeText } from './xml.ts';

/** Words of `text` in lines of at most `width` characters, each line after the first on its own indented line. */
function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines.join(`\n${indent}`);
}

/** The XSLT 1.0 stylesheet that RSS and Atom documents reference with <?xml-stylesheet?>, in `m`'s language. */
export function feedXsl(m: Messages): string {
  const t = (key: string): string => escapeText(m.t(key));
  return (
    `<?xml version="1.0" encoding="utf-8"?>
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  exclude-result-prefixes="atom dc">
  <xsl:output method="html" encoding="utf-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:template match="/">
    <xsl:variable name="title" select="rss/channel/title | atom:feed/atom:title"/>
    <xsl:variable name="self" select="(rss/channel/atom:link[@rel='self'] | atom:feed/atom:link[@rel='self'])/@href"/>
    <xsl:variable name="home" select="rss/channel/link | atom:feed/atom:link[@rel='alternate']/@href"/>
    <xsl:variable name="lang" select="rss/channel/language | atom:feed/@xml:lang"/>
    <html lang="{$lang}">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> ${t('site.feed_title_suffix')}</title>
        <style>
          body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 0 auto; padding: 1rem; ` +
    `color: #1b1b1b; }
          .note { background: #fff8d6; border: 1px solid #e6d27a; border-radius: 6px; padding: 0.75rem 1rem; }
          .note code { display: block; overflow-wrap: anywhere; background: #fff; padding: 0.4rem; margin-top: 0.4rem; }
          article { border-bottom: 1px solid #ddd; padding: 0.75rem 0; }
          article h2 { font-size: 1.15rem; margin: 0 0 0.25rem; }
          time { color: #555; font-size: 0.9rem; }
          nav a { margin-right: 1rem; }
        </style>
      </head>
      <body>
        <p class="note">
          <strong>${t('site.feed_web_feed')}.</strong> ${wrap(t('site.feed_copy_address'), 52, '          ')}
          <code><xsl:value-of select="$self"/></code>
        </p>
        <h1><a href="{$home}"><xsl:value-of select="$title"/></a></h1>
        <p><xsl:value-of select="rss/channel/description | atom:feed/atom:subtitle"/></p>
        <xsl:apply-templates select="rss/channel/item | atom:feed/atom:entry"/>
        <nav>
          <xsl:for-each select="(rss/channel/atom:link | atom:feed/atom:link)[@rel='next-archive']">
            <a href="{@href}">${t('site.feed_newer_items')}</a>
          </xsl:for-each>
          <xsl:for-each select="(rss/channel/atom:link | atom:feed/atom:link)[@rel='prev-archive']">
            <a href="{@href}">${t('site.feed_older_items')}</a>
          </xsl:for-each>
          <xsl:for-each select="(rss/channel/atom:link | atom:feed/atom:link)[@rel='current']">
            <a href="{@href}">${t('site.feed_latest_items')}</a>
          </xsl:for-each>
        </nav>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item">
    <article>
      <h2><a href="{link}"><xsl:value-of select="title"/></a></h2>
      <time><xsl:value-of select="pubDate"/></time>
      <xsl:if test="dc:creator"> · <xsl:value-of select="dc:creator"/></xsl:if>
      <!-- The description is our own HTML-escaped plain-text summary: never markup. -->
      <p><xsl:value-of select="description" disable-output-escaping="yes"/></p>
    </article>
  </xsl:template>

  <xsl:template match="atom:entry">
    <article>
      <h2><a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a></h2>
      <time datetime="{atom:published}"><xsl:value-of select="substring(atom:published, 1, 10)"/></time>
      <xsl:if test="atom:author/atom:name"> · <xsl:value-of select="atom:author/atom:name"/></xsl:if>
      <p><xsl:value-of select="atom:summary"/></p>
    </article>
  </xsl:template>
</xsl:stylesheet>
`
  );
}
