// `gazette build`: content folder → feeds and site in public/, swapped in atomically.
import { count } from '../../plural.ts';
import path from 'node:path';
import { previewNotice } from '../../config/load.ts';
import { prestartParserThreads } from '../../content/threads.ts';
import { templatesDir } from '../../paths.ts';
import type { CommandSpec } from '../command.ts';
import { displayPath } from '../options.ts';

/** The templates shipped with gazette, at the repository root. */
export { templatesDir };

function formatBytes(n: number): string {
  return n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export const buildCommand: CommandSpec = {
  name: 'build',
  description: 'Build the feeds and the site from the content folder into the output folder (atomically)',
  options: [
    { flags: '--content <dir>', description: 'content folder (default: content/)' },
    { flags: '--out <dir>', description: 'output folder (default: public/)' },
    {
      flags: '--base-url <url>',
      description: 'a preview: build with this site URL instead of site.url, e.g. http://127.0.0.1:8080/',
    },
  ],
  async run(ctx, _args, options) {
    const config = await ctx.config();
    const preview = previewNotice(config);
    if (preview !== undefined) ctx.stdout.write(`${preview}\n`);
    const contentDir = path.resolve((options.content as string | undefined) ?? ctx.env.contentDir);
    const outDir = path.resolve((options.out as string | undefined) ?? ctx.env.publicDir);
    // The default public/ keeps its build folders in var/, the runtime state; any other output
    // folder keeps them next to itself.
    const buildsDir = outDir === path.resolve(ctx.env.publicDir) ? path.join(ctx.env.varDir, 'builds') : undefined;
    // Parser threads load the parser while this thread loads the build's modules, imported only now.
    prestartParserThreads(contentDir);
    const { runBuild } = await import('../../build/run.ts');
    // The archive module alone: the delivery barrel would load the mailer too, which a build never uses.
    const { readSentEditionsIfAny } = await import('../../delivery/archive.ts');
    const sentEditions = await readSentEditionsIfAny({ databaseUrl: ctx.env.databaseUrl, varDir: ctx.env.varDir });
    const result = await runBuild({
      config,
      configFile: displayPath(ctx.env.configFile),
      contentDir,
      outDir,
      templatesDir,
      now: new Date(),
      sentEditions,
      ...(buildsDir ? { buildsDir } : {}),
    });
    for (const warning of result.warnings ?? []) ctx.stderr.write(`gazette: warning: ${warning}\n`);
    const what = result.unchanged ? 'unchanged' : 'written';
    ctx.stdout.write(
      `built ${count(result.items, 'item')} into ${result.files} files ` +
        `(${formatBytes(result.bytes)}) in ${displayPath(result.outDir)}: ${what}, ${result.durationMs} ms\n`,
    );
  },
};
