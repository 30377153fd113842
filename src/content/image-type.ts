// MIME types of the image formats feeds and mail clients display, by file extension.

const types: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml',
};

/** The MIME type for an image path or URL, or undefined for an unknown extension. */
export function imageTypeOf(pathOrUrl: string): string | undefined {
  const ext = /\.([A-Za-z0-9]+)(?:[?#].*)?$/.exec(pathOrUrl)?.[1]?.toLowerCase();
  return ext === undefined ? undefined : types[ext];
}

export const imageExtensions = Object.keys(types);
