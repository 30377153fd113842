// Use-case: the next edition as it would go out now, for one sample reader (CLI preview, admin dashboard).
import type { Config } from '../config/schema.ts';
import { loadContent } from '../content/index.ts';
import type { MailMessage } from '../mail/message.ts';
import {
  composeDigest,
  digestWindow,
  loadDigestTemplates,
  personalize,
  sampleRecipient,
  selectDigestItems,
  type Digest,
  type DigestRecipient,
  type DigestWindow,
} from '../newsletter/index.ts';

export interface DigestPreviewOptions {
  config: Config;
  contentDir: string;
  templatesDir: string;
  now: Date;
  /** End of the window of the last sent edition; null or absent: the first edition's window. */
  previousEditionEnd?: Date | null;
  /** Compose even when the window holds no item. */
  force?: boolean;
  /** Who the sample message is addressed to; a made-up reader by default. */
  recipient?: DigestRecipient;
}

export type DigestPreview =
  | { empty: true; window: DigestWindow }
  | { empty: false; window: DigestWindow; digest: Digest; message: MailMessage };

/** Loads content and templates, composes the edition for the window ending at `now` and personalizes one copy. */
export async function buildDigestPreview(options: DigestPreviewOptions): Promise<DigestPreview> {
  const { config, now } = options;
  const window = digestWindow(options.previousEditionEnd ?? null, now, config);
  const items = selectDigestItems(await loadContent(options.contentDir, config, now), window);
  if (items.length === 0 && !options.force) return { empty: true, window };
  const templates = await loadDigestTemplates(options.templatesDir);
  const digest = await composeDigest({
    items,
    config,
    editionId: 'preview',
    window,
    now,
    templates,
    force: options.force ?? false,
  });
  return {
    empty: false,
    window,
    digest,
    message: personalize(digest, options.recipient ?? sampleRecipient(config), config),
  };
}
