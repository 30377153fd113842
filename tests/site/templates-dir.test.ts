// templates_dir: a newsroom's own templates replace gazette's file by file, in the site and the digest alike; an
// upgrade of gazette's templates reaches every file the newsroom did not override, and none it did.
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli-process.ts';
import { runBuild } from '../../src/build/run.ts';
import { loadConfig } from '../../src/config/load.ts';
import { loadContent } from '../../src/content/index.ts';
import { composeDigest, digestWindow, loadDigestTemplates } from '../../src/newsletter/index.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const NOW = new Date('2021-10-04T03:00:00Z');

const INTRO = `    <mj-section background-color="#ffffff" padding="24px 0 8px" css-class="card">
      <mj-column>
        <mj-text><%= it.slot.greeting %></mj-text>
        <mj-text padding="8px 24px 0">From the newsroom's own intro: <%= it.count %>.</mj-text>
      </mj-column>
    </mj-section>
`;

function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(args, { cwd, env: { ...process.env, DATABASE_URL: '' } });
}

let dir: string;

/** A newsroom folder: gazette.yaml with templates_dir, the sample content, and its own templates folder. */
async function newsroom(overrides: Record<string, string>): Promise<string> {
  const yaml = await readFile(path.join(repo, 'gazette.yaml'), 'utf8');
  await writeFile(path.join(dir, 'gazette.yaml'), `${yaml}\ntemplates_dir: my-templates\n`);
  await cp(path.join(repo, 'content'), path.join(dir, 'content'), { recursive: true });
  await mkdir(path.join(dir, 'my-templates'), { recursive: true });
  for (const [name, source] of Object.entries(overrides)) await writeFile(path.join(dir, 'my-templates', name), source);
  return path.join(dir, 'gazette.yaml');
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-templates-dir-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('templates_dir', () => {
  it('overrides a digest partial and a site page; an upgrade reaches only the files not overridden', async () => {
    const itemEta = (await readFile(path.join(repo, 'templates/item.eta'), 'utf8')).replace(
      '<article',
      '<p class="newsroom-note">Our own item page</p>\n<article',
    );
    expect(itemEta).toContain('newsroom-note');
    const text = (await readFile(path.join(repo, 'templates/digest.txt.eta'), 'utf8')).replace(
      '<%~ it.t.newsDigestOf.before %>',
      'Our weekly letter of ',
    );
    const config = await loadConfig(
      await newsroom({ 'digest-intro.mjml': INTRO, 'item.eta': itemEta, 'digest.txt.eta': text }),
    );
    expect(config.templatesDir).toBe(path.join(dir, 'my-templates'));
    // gazette upgraded: its copy of templates/ changes the intro and the item page (overridden here) and the
    // footer and the layout (not overridden)
    const builtin = path.join(dir, 'package-templates');
    await cp(path.join(repo, 'templates'), builtin, { recursive: true });
    const edit = async (name: string, from: string, to: string) => {
      const file = path.join(builtin, name);
      const source = await readFile(file, 'utf8');
      expect(source).toContain(from);
      await writeFile(file, source.replace(from, to));
    };
    await edit('digest-intro.mjml', '<mj-column>', '<mj-column>\n<mj-text>Upgraded intro</mj-text>');
    await edit('digest-footer.mjml', '<mj-column>', '<mj-column>\n<mj-text>Upgraded footer</mj-text>');
    await edit('item.eta', '<article', '<p>Upgraded item page</p>\n<article');
    await edit('digest.txt.eta', '<%~ it.t.newsDigestOf.before %>', 'Upgraded text: <%~ it.t.newsDigestOf.before %>');
    await edit('layout.eta', '<main id="main"', '<p>Upgraded layout</p>\n<main id="main"');

    const digest = await composeDigest({
      items: await loadContent(path.join(dir, 'content'), config, NOW),
      config,
      editionId: '12',
      window: digestWindow(new Date('2021-09-01T00:00:00Z'), NOW, config),
      now: NOW,
      templates: await loadDigestTemplates(builtin, config.templatesDir),
    });
    const html = digest.html.parts.join('');
    expect(html).toMatch(/From the newsroom(&#39;|')s own intro: 4 new items\./);
    expect(html).not.toContain('Upgraded intro');
    expect(html).toContain('Upgraded footer');
    expect(digest.text.parts[0]).toContain('\nOur weekly letter of 4 October 2021\n');
    expect(digest.text.parts.join('')).not.toContain('Upgraded text');

    const out = path.join(dir, 'public');
    await runBuild({ config, contentDir: path.join(dir, 'content'), outDir: out, templatesDir: builtin, now: NOW });
    const index = await readFile(path.join(out, 'index.html'), 'utf8');
    const itemPage = (await readdir(out, { recursive: true })).find((f) => /^news\/.+\/index\.html$/.test(f));
    expect(itemPage).toBeDefined();
    const item = await readFile(path.join(out, itemPage!), 'utf8');
    expect(item).toContain('Our own item page');
    expect(item).not.toContain('Upgraded item page');
    expect(item).toContain('Upgraded layout');
    expect(index).toContain('Upgraded layout');
  });

  it('refuses a templates_dir that is not a folder, naming the key', async () => {
    const yaml = await readFile(path.join(repo, 'gazette.yaml'), 'utf8');
    await writeFile(path.join(dir, 'gazette.yaml'), `${yaml}\ntemplates_dir: nowhere\n`);
    await expect(loadConfig(path.join(dir, 'gazette.yaml'))).rejects.toMatchObject({
      key: 'templates_dir',
      message: expect.stringContaining('templates_dir: nowhere is not a folder'),
    });
  });

  it('gazette build and digest preview use the override and warn of a file that overrides nothing', async () => {
    await newsroom({ 'itme.eta': '<p>typo</p>', 'digest-intro.mjml': INTRO });
    const result = await run(['build'], dir);
    expect(result.stderr).toContain(
      "warning: templates_dir: my-templates/itme.eta is not one of gazette's templates (itme.eta overrides nothing)",
    );
    expect(result.code).toBe(0);
    const preview = await run(['digest', 'preview', '--now', NOW.toISOString(), '--out', 'preview'], dir);
    expect(preview.stderr).toContain('warning: templates_dir: my-templates/itme.eta is not one of gazette');
    expect(preview.code).toBe(0);
    expect(await readFile(path.join(dir, 'preview/digest.html'), 'utf8')).toMatch(/From the newsroom(&#39;|')s/);
  });

  it("a mistake in gazette's own partial is named as templates/…:line too", async () => {
    const builtin = path.join(dir, 'templates');
    await cp(path.join(repo, 'templates'), builtin, { recursive: true });
    const intro = (await readFile(path.join(builtin, 'digest-intro.mjml'), 'utf8')).split('\n');
    intro.splice(1, 0, '      <mj-text>outside a column</mj-text>');
    await writeFile(path.join(builtin, 'digest-intro.mjml'), intro.join('\n'));
    const config = await loadConfig(path.join(repo, 'gazette.yaml'));
    const err = await composeDigest({
      items: await loadContent(path.join(repo, 'content'), config, NOW),
      config,
      editionId: '12',
      window: digestWindow(new Date('2021-09-01T00:00:00Z'), NOW, config),
      now: NOW,
      templates: await loadDigestTemplates(builtin),
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/templates\/digest-intro\.mjml:2: not valid MJML: <mj-text>/);
    expect((err as { line?: number }).line).toBe(2);
  });
});

describe('a template error names the template file and its own line', () => {
  it('gazette digest preview: an MJML mistake in an included partial', async () => {
    const broken = INTRO.replace(
      '        <mj-text><%= it.slot.greeting %></mj-text>\n',
      '        <mj-text><%= it.slot.greeting %></mj-text>\n' +
        '      </mj-column>\n      <mj-text>outside</mj-text>\n      <mj-column>\n',
    );
    expect(broken.split('\n')[4]).toBe('      <mj-text>outside</mj-text>');
    await newsroom({ 'digest-intro.mjml': broken });
    const result = await run(['digest', 'preview', '--now', NOW.toISOString(), '--out', 'preview'], dir);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^gazette: my-templates\/digest-intro\.mjml:5: not valid MJML: <mj-text>/m);
  });

  it('gazette digest preview: an eta mistake in an included partial', async () => {
    const item = await readFile(path.join(repo, 'templates/digest-item.mjml'), 'utf8');
    const lines = item.split('\n');
    lines.splice(2, 0, '<%= it.nothing.here %>');
    await newsroom({ 'digest-item.mjml': lines.join('\n') });
    const result = await run(['digest', 'preview', '--now', NOW.toISOString(), '--out', 'preview'], dir);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^gazette: my-templates\/digest-item\.mjml:3: .*'here'/m);
  });

  it('gazette build: an eta mistake in a partial of the site, built in and overridden', async () => {
    const card = (await readFile(path.join(repo, 'templates/item-card.eta'), 'utf8')).split('\n');
    card.splice(1, 0, '<%= it.card.missing.title %>');
    await newsroom({ 'item-card.eta': card.join('\n') });
    const result = await run(['build'], dir);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^gazette: my-templates\/item-card\.eta:2: .*title/m);
  });
});
