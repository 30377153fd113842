// Loading site templates from a folder: what is read, what is skipped, and how a broken folder is reported.
import { cp, mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSiteTemplates, renderSite } from '../../src/site/index.ts';
import { newsItem, siteConfig } from './factory.ts';

const templatesDir = path.resolve(import.meta.dirname, '../../templates');
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-templates-'));
  await cp(templatesDir, dir, { recursive: true });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadSiteTemplates', () => {
  it('reads the site templates and static files, not the digest templates', async () => {
    await writeFile(path.join(dir, 'digest-extra.eta'), '<% it.nothing.here %>');
    const t = await loadSiteTemplates(dir);
    expect([...t.templates.keys()]).toEqual(
      expect.arrayContaining(['layout', 'index', 'item', 'tag', 'tags', 'not-found']),
    );
    expect([...t.templates.keys()].some((k) => k.startsWith('digest'))).toBe(false);
    expect([...t.assets.keys()]).toContain('static/style.css');
  });

  it('names the templates a folder is missing', async () => {
    await unlink(path.join(dir, 'item.eta'));
    await unlink(path.join(dir, 'tags.eta'));
    await expect(loadSiteTemplates(dir)).rejects.toMatchObject({
      code: 'TEMPLATES_MISSING',
      message: expect.stringContaining('item.eta, tags.eta'),
    });
  });

  it('reports a folder that does not exist', async () => {
    await expect(loadSiteTemplates(path.join(dir, 'nope'))).rejects.toMatchObject({ code: 'TEMPLATES_UNREADABLE' });
  });

  it('names the template that fails to compile', async () => {
    await writeFile(path.join(dir, 'tag.eta'), '<% if (it.page { %>');
    const t = await loadSiteTemplates(dir);
    expect(() => renderSite([newsItem({ tags: ['x'] })], siteConfig(), t)).toThrow(
      expect.objectContaining({ code: 'TEMPLATE_INVALID', template: 'tag' }),
    );
  });

  it('copies every static file, in sub-folders too, to the same path under public/', async () => {
    await mkdir(path.join(dir, 'static', 'img'));
    await writeFile(path.join(dir, 'static', 'img', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    const files = renderSite([], siteConfig(), await loadSiteTemplates(dir));
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(['static/style.css', 'static/img/logo.svg']));
  });
});
