// What a build accepts but an editor should fix: each warning names the file and the field, as errors do.
import { isPublishedFile } from './published-files.ts';
import type { NewsItem } from './types.ts';

export interface ContentWarning {
  file: string;
  field: string;
  message: string;
}

/**
 * Warnings about published items: a lead image without `image_alt` is silent to a screen reader; a file the
 * item links to whose type the build does not publish (see isPublishedFile) is left out of public/.
 */
export function contentWarnings(items: readonly NewsItem[]): ContentWarning[] {
  const warnings: ContentWarning[] = [];
  for (const item of items) {
    if (item.image && item.image.alt.trim() === '')
      warnings.push({
        file: item.sourcePath,
        field: 'image_alt',
        message:
          'the lead image has no image_alt: the digest and the site show it as decorative (alt=""), ' +
          'so a screen reader says nothing about it',
      });
    for (const asset of item.assets ?? [])
      if (!isPublishedFile(asset.source))
        warnings.push({
          file: item.sourcePath,
          field: 'body',
          message:
            `links to ${asset.source}, a type of file the build does not publish: it is not copied to public/ ` +
            '(the site shares its origin with the dashboard, so a page or script from content/ would act as the ' +
            'operator); publish it elsewhere, or as a PDF, an image or a plain document',
        });
  }
  return warnings;
}

/** `news/x.md (field "image_alt"): …`, as the build prints it. */
export function formatWarning(w: ContentWarning): string {
  return `${w.file} (field "${w.field}"): ${w.message}`;
}
