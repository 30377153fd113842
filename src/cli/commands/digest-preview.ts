// `gazette digest preview`: the next edition as HTML, text and a sample .eml on disk, to look at before sending.
import { formatInZone } from '../../adapters/luxon.ts';
import { count } from '../../plural.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildDigestPreview, mailedHistory, previewGroup, readIfDatabase } from '../../delivery/index.ts';
import { createMailer } from '../../mail/index.ts';
import { prestartMjml } from '../../adapters/mjml.ts';
import { loadDigestDkim } from '../../newsletter/index.ts';
import type { CommandSpec } from '../command.ts';
import { displayPath, parseNow } from '../options.ts';
import { templatesDir } from '../templates-dir.ts';

export const digestPreviewCommand: CommandSpec = {
  name: 'digest preview',
  description:
    'Write the next digest as HTML, plain text and a sample .eml (default folder: var/preview/) and print where',
  options: [
    {
      flags: '--out <dir>',
      description: 'folder for digest.html, digest.txt and sample/*.eml (default: var/preview/)',
    },
    { flags: '--now <iso>', description: 'compose as if it were this moment (ISO 8601; default: now)' },
    { flags: '--content <dir>', description: 'content folder (default: content/)' },
    { flags: '--force', description: 'write a digest even when no item is new' },
    { flags: '--lang <code>', description: "the readers' language (default: the site's default language)" },
    {
      flags: '--topics <ids>',
      description: "the readers' topics, topic ids comma-separated (default: everything)",
    },
  ],
  async run(ctx, _args, options) {
    // mjml loads in its thread while the configuration and the content are read
    prestartMjml();
    const config = await ctx.config();
    const group = previewGroup(config, options.lang as string | undefined, options.topics as string | undefined);
    const now = parseNow(options.now);
    const outDir = path.resolve((options.out as string | undefined) ?? path.join(ctx.env.varDir, 'preview'));
    const contentDir = path.resolve((options.content as string | undefined) ?? ctx.env.contentDir);
    // the window starts where the last edition that went out ended, as `digest send` will reckon it
    const history = await readIfDatabase(ctx.env, null, mailedHistory);
    const preview = await buildDigestPreview({
      config,
      contentDir,
      templatesDir,
      now,
      history,
      force: options.force === true,
      group,
    });
    // as the operator reads it: in site.timezone, the zone named
    const when = (d: Date): string =>
      `${formatInZone(d, config.site.timezone, 'yyyy-LL-dd HH:mm:ss')} ${config.site.timezone}`;
    if (preview.empty) {
      ctx.stdout.write(
        `no item published between ${when(preview.window.start)} and ${when(preview.window.end)} ` +
          `is waiting to be mailed${group.key === config.languages[0]!.code ? '' : ` for ${group.key}`}: ` +
          'nothing written (--force writes an empty digest)\n',
      );
      return 0;
    }
    const { digest, message } = preview;
    for (const warning of preview.warnings) ctx.stderr.write(`gazette: warning: ${warning}\n`);
    // a sample message with working links for a sample reader: private to the operator, like the rest of var/
    await mkdir(outDir, { recursive: true, mode: 0o700 });
    const htmlFile = path.join(outDir, 'digest.html');
    const textFile = path.join(outDir, 'digest.txt');
    await writeFile(htmlFile, message.html ?? '', { mode: 0o600 });
    await writeFile(textFile, message.text, { mode: 0o600 });
    // The .eml comes from the real transport in outbox mode: the bytes a reader's server would receive.
    const mailer = createMailer({
      smtpUrl: undefined,
      outboxDir: outDir,
      dkim: await loadDigestDkim(config, ctx.env.root),
    });
    let emlFile: string;
    try {
      emlFile = (await mailer.send(message, { folder: 'sample' })).file!;
    } finally {
      await mailer.close();
    }
    const n = digest.itemIds.length;
    ctx.stdout.write(
      `digest preview${group.key === config.languages[0]!.code ? '' : ` (${group.key})`}: ` +
        `${count(n, 'item')}, subject "${digest.subject}"\n` +
        `  html: ${displayPath(htmlFile)}\n` +
        `  text: ${displayPath(textFile)}\n` +
        `  mail: ${displayPath(emlFile)}\n`,
    );
    return 0;
  },
};
