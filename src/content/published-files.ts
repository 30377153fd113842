// Which files beside an item the build copies to public/: passive types only. public/ shares its origin with the
// operators' dashboard, so an HTML page (or any type a browser runs script in) from content/ would act as the admin.

/** Extensions (lower case) of the content files the build publishes next to an item page. */
export const PUBLISHED_EXTENSIONS: ReadonlySet<string> = new Set([
  // images; an SVG is served sandboxed (see src/server/content-types.ts)
  'png',
  'jpg',
  'jpeg',
  'gif',
  'webp',
  'avif',
  'svg',
  'pdf',
  // audio and video
  'mp3',
  'm4a',
  'ogg',
  'oga',
  'opus',
  'wav',
  'mp4',
  'm4v',
  'webm',
  'ogv',
  // plain documents and archives
  'txt',
  'csv',
  'docx',
  'xlsx',
  'pptx',
  'odt',
  'ods',
  'odp',
  'epub',
  'rtf',
  'zip',
]);

/** True when the build copies the content file at `filePath` to public/ (only its extension counts). */
export function isPublishedFile(filePath: string): boolean {
  const name = filePath.slice(filePath.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 && PUBLISHED_EXTENSIONS.has(name.slice(dot + 1).toLowerCase());
}
