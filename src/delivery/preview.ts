// Use-case: the next edition as it would go out now, for one sample reader (CLI preview, admin dashboard).
import { groupItems, readerGroup, type ReaderGroup } from '../audience.ts';
import type { Config } from '../config/schema.ts';
import { UsageError } from '../errors.ts';
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
  /** Whose digest: a language and topics (see previewGroup); default: the default language, everything. */
  group?: ReaderGroup;
}

/**
 * The group `--lang` and `--topics` name (topic ids, comma-separated); a language or topic the config does not
 * have is a UsageError naming it and the ones there are.
 */
export function previewGroup(config: Config, lang?: string, topics?: string): ReaderGroup {
  const codes = config.languages.map((l) => l.code);
  if (lang !== undefined && !codes.includes(lang))
    throw new UsageError(`unknown language "${lang}" (site.languages: ${codes.join(', ')})`);
  const ids = config.digest.topics.map((t) => t.id);
  const chosen =
    topics === undefined
      ? null
      : topics
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean);
  for (const t of chosen ?? [])
    if (!ids.includes(t))
      throw new UsageError(
        `unknown topic "${t}" (digest.topics: ${ids.length > 0 ? ids.join(', ') : 'none configured'})`,
      );
  return readerGroup({ language: lang ?? null, topics: chosen }, config);
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
  const next = nextEditionItems(await loadContent(options.contentDir, config, now), history, now, config);
  const { window } = next;
  // the default language's everything group unless another is asked for (a single-language site's every item)
  const items = groupItems(next.items, options.group ?? readerGroup({ language: null, topics: null }, config), config);
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
    ...(options.group ? { group: options.group } : {}),
  });
  return {
    empty: false,
    window,
    digest,
    message: personalize(digest, options.recipient ?? sampleRecipient(config), config),
    warnings: templates.warnings ?? [],
  };
}
