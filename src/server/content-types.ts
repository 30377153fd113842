// Media types and cache lifetimes of the files public/ holds, chosen by file name.

export interface FileKind {
  contentType: string;
  /** Worth compressing: text formats; images and archives are compressed already. */
  compressible: boolean;
  /** Feeds and pages change with each build; assets rarely. */
  cacheControl: string;
  /**
   * For a type a browser runs script in when opened on its own (SVG): public/ shares its origin with the
   * dashboard, so such a file is sandboxed (an opaque origin, no script) and never reads /admin.
   */
  contentSecurityPolicy?: string;
}

/** No script, no plugins, no requests; an opaque origin. Inline styles still draw an SVG as drawn. */
export const SANDBOX_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

const SHORT = 'public, max-age=300';
const LONG = 'public, max-age=86400';

const text = (contentType: string, cacheControl = SHORT): FileKind => ({
  contentType,
  compressible: true,
  cacheControl,
});
const binary = (contentType: string): FileKind => ({ contentType, compressible: false, cacheControl: LONG });

const byExtension: Record<string, FileKind> = {
  html: text('text/html; charset=utf-8'),
  htm: text('text/html; charset=utf-8'),
  xml: text('application/xml; charset=utf-8'),
  rss: text('application/rss+xml; charset=utf-8'),
  atom: text('application/atom+xml; charset=utf-8'),
  json: text('application/json; charset=utf-8'),
  xsl: text('application/xslt+xml; charset=utf-8'),
  xslt: text('application/xslt+xml; charset=utf-8'),
  txt: text('text/plain; charset=utf-8'),
  css: text('text/css; charset=utf-8', LONG),
  js: text('text/javascript; charset=utf-8', LONG),
  mjs: text('text/javascript; charset=utf-8', LONG),
  svg: { ...text('image/svg+xml', LONG), contentSecurityPolicy: SANDBOX_POLICY },
  webmanifest: text('application/manifest+json; charset=utf-8', LONG),
  ico: { contentType: 'image/x-icon', compressible: true, cacheControl: LONG },
  png: binary('image/png'),
  jpg: binary('image/jpeg'),
  jpeg: binary('image/jpeg'),
  gif: binary('image/gif'),
  webp: binary('image/webp'),
  avif: binary('image/avif'),
  woff: binary('font/woff'),
  woff2: binary('font/woff2'),
  pdf: binary('application/pdf'),
  mp3: binary('audio/mpeg'),
  m4a: binary('audio/mp4'),
  ogg: binary('audio/ogg'),
  oga: binary('audio/ogg'),
  opus: binary('audio/ogg'),
  wav: binary('audio/wav'),
  mp4: binary('video/mp4'),
  m4v: binary('video/mp4'),
  webm: binary('video/webm'),
  ogv: binary('video/ogg'),
  csv: text('text/csv; charset=utf-8', LONG),
  rtf: text('application/rtf', LONG),
  docx: binary('application/vnd.openxmlformats-officedocument.wordprocessingml.document'),
  xlsx: binary('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
  pptx: binary('application/vnd.openxmlformats-officedocument.presentationml.presentation'),
  odt: binary('application/vnd.oasis.opendocument.text'),
  ods: binary('application/vnd.oasis.opendocument.spreadsheet'),
  odp: binary('application/vnd.oasis.opendocument.presentation'),
  epub: binary('application/epub+zip'),
  zip: binary('application/zip'),
  gz: binary('application/gzip'),
};

// Feed file names the build writes; their generic extensions (.xml, .json) would hide what they are.
const byName: Record<string, FileKind> = {
  'feed.xml': text('application/rss+xml; charset=utf-8'),
  'rss.xml': text('application/rss+xml; charset=utf-8'),
  'atom.xml': text('application/atom+xml; charset=utf-8'),
  'feed.json': text('application/feed+json; charset=utf-8'),
};

const fallback: FileKind = binary('application/octet-stream');

/** The kind of the file at `filePath` (any path; only its last segment counts). */
export function fileKind(filePath: string): FileKind {
  const slash = Math.max(filePath.lastIndexOf('/'), filePath.lastIndexOf('\\'));
  const name = filePath.slice(slash + 1).toLowerCase();
  const named = byName[name];
  if (named) return named;
  const dot = name.lastIndexOf('.');
  if (dot < 0) return fallback;
  return byExtension[name.slice(dot + 1)] ?? fallback;
}
