// RFC 4151 tag: URIs: ids that survive changes of slug, title, URL and host layout.

/** The tagging entity of every id the site mints, e.g. `tag:caricc.org,2009:`. */
export function tagPrefix(siteUrl: string, established: number): string {
  return `tag:${new URL(siteUrl).hostname},${established}:`;
}

/**
 * A tag: URI for `specific`. Characters outside RFC 3986 pchar (Unicode, spaces, `%`, `#`) are
 * percent-encoded; `/` is kept so path-like ids stay readable. The encoding must never change:
 * the result is what feed readers remember.
 */
export function tagUri(prefix: string, specific: string): string {
  return (
    prefix +
    encodeURIComponent(specific.normalize('NFC')).replace(/%2F/g, '/').replace(/%3A/g, ':').replace(/%40/g, '@')
  );
}
