// `gazette import-feed`: moves a newsroom in with its history, one content file per feed item.
import path from 'node:path';
import { importFeed } from '../../importer/run.ts';
import type { CommandSpec } from '../command.ts';

export const importFeedCommand: CommandSpec = {
  name: 'import-feed',
  description:
    'Turn the items of an RSS or Atom feed (URL or file) into content files; items already present are skipped',
  args: [{ name: 'source', description: 'feed URL (http or https) or file path' }],
  options: [
    { flags: '--out <dir>', description: 'content folder to write into (default: content/)' },
    {
      flags: '--allow-private',
      description: 'fetch from loopback, private and link-local addresses too (a trusted internal source)',
    },
  ],
  async run(ctx, args, options) {
    const config = await ctx.config();
    const contentDir = path.resolve((options.out as string | undefined) ?? ctx.env.contentDir);
    const result = await importFeed({
      source: args[0]!,
      contentDir,
      config,
      signal: ctx.signal,
      fetch: { allowPrivate: options.allowPrivate === true },
    });
    const exists = result.skipped.filter((s) => s.reason === 'exists').length;
    const undated = result.skipped.filter((s) => s.reason === 'no-date');
    for (const s of undated) ctx.stderr.write(`gazette: skipped "${s.title || s.id}": the feed gives it no date\n`);
    ctx.stdout.write(
      `imported ${result.feedTitle ? `"${result.feedTitle}" ` : ''}into ${contentDir}: ` +
        `${result.created.length} created, ${exists} skipped (already present)` +
        (undated.length > 0 ? `, ${undated.length} skipped (no date)` : '') +
        '\n',
    );
  },
};
