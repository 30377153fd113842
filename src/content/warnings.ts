// What a build accepts but an editor should fix: each warning names the file and the field, as errors do.
import type { NewsItem } from './types.ts';

export interface ContentWarning {
  file: string;
  field: string;
  message: string;
}

/** Warnings about published items: a lead image without `image_alt` is silent to a screen reader. */
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
  }
  return warnings;
}

/** `news/x.md (field "image_alt"): …`, as the build prints it. */
export function formatWarning(w: ContentWarning): string {
  return `${w.file} (field "${w.field}"): ${w.message}`;
}
