// Use-case: the next edition as it would go out now, for one sample reader (CLI preview, admin dashboard).
import type { Config } from '../config/schema.ts';
import { loadContent } from '../content/index.ts';
import type { MailMessage } from '../mail/message.ts';
import {
  composeDigest,
  loadDigestTemplates,
  nextEditionItems,
  personalize,
  sampleRecipient,
  type Digest,
  type DigestRecipient,
  type DigestWindow,
  type MailedHistory,
} from '../newsletter/index.ts';

export interface DigestPreviewOptions {
  config: Config;
  contentDir: string;
  templatesDir: string;
  now: Date;
  /** What earlier editions carried (mailedHistory); null or absent: nothing yet, the first edition. */
  history?: MailedHistory | null;
  /** Compose even when the window holds no item. */
  force?: boolean;
  /** Who the sample message is addressed to; a made-up reader by default. */
  recipient?: DigestRecipient;
}

export type DigestPreview =
  | { empty: true; window: DigestWindow }
  | {
      empty: false;
      window: DigestWindow;
      digest: Digest;
      message: MailMessage;
      /** An override in templates_dir that replaces nothing, one line each. */
      warnings: readonly string[];
    };

/** Loads content and templates, composes the edition for the window ending at `now` and personalizes one copy. */
export async function buildDigestPreview(options: DigestPreviewOptions): Promise<DigestPreview> {
  const { config, now } = options;
  const history = options.history ?? { mailed: new Set<string>(), firstWindowStart: null };
  const { window, items } = nextEditionItems(await loadContent(options.contentDir, config, now), history, now, config);
  if (items.length === 0 && !options.force) return { empty: true, window };
  const templates = await loadDigestTemplates(options.templatesDir, config.templatesDir);
  const digest = await composeDigest({
    items,
    config,
    editionId: 'preview',
    // the preview has no archive page of its own: its link goes to the archive, which exists
    archiveUrl: `${config.site.url}archive/`,
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
    warnings: templates.warnings ?? [],
  };
}
