// "View in your browser" works from an edition's first message: gazette's server answers the edition's page from
// the ledger until a build has written it to public/, and a test copy links to the archive, which exists.
import { describe, expect, it } from 'vitest';
import { buildDigestPreview, createEdition, editionPage } from '../../src/delivery/index.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';
import { addSubscribers, deliveryDeps, NOW } from '../delivery/support.ts';
import { addReaders, i18nConfig, i18nContent, I18N_NOW } from '../delivery/groups-support.ts';
import { appFor, tempSite } from './support.ts';

describe.each(testDialects())('edition pages on %s', (dialect) => {
  const db = useTestStore(dialect);

  it('serves the page of an edition being sent, before any build has it, and 404 for any other', async () => {
    const { store, varDir } = db();
    await addSubscribers(store, 2);
    const deps = deliveryDeps({ store, varDir, now: () => NOW });
    const temp = await tempSite();
    try {
      const created = await createEdition(deps, { now: NOW });
      if (created.status !== 'created') throw new Error('no edition');
      const stored = await store.db.selectFrom('editions').select('digest').executeTakeFirstOrThrow();
      const slug = (JSON.parse(stored.digest!) as { slug: string }).slug;
      const app = appFor(temp.publicDir, {
        editionPages: { editionPage: (s) => editionPage(store, deps.config, s, NOW) },
      });
      const res = await app.request(`http://127.0.0.1/archive/${slug}/`);
      expect((await app.request(`http://127.0.0.1/archive/${slug}/index.html`)).status).toBe(200);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const html = await res.text();
      expect(html).toContain(created.subject.replace(/&/g, '&amp;'));
      // the archive's own values, not a reader's: no address, no personal unsubscribe link
      expect(html).not.toContain('reader1@example.org');
      expect((await app.request('http://127.0.0.1/archive/2021-10-04-999/')).status).toBe(404);
      expect((await app.request('http://127.0.0.1/archive/../etc/')).status).toBe(404);

      // a test copy has no page of its own: its link goes to the archive's index
      const preview = await buildDigestPreview({
        config: deps.config,
        contentDir: deps.contentDir,
        templatesDir: deps.templatesDir,
        now: NOW,
      });
      if (preview.empty) throw new Error('empty preview');
      expect(preview.message.text).toContain(`${deps.config.site.url}archive/\n`);
      expect(preview.message.text).not.toContain('preview/');
    } finally {
      await deps.mailer.close();
      await temp.cleanup();
    }
  });

  it("serves each group's page, under its language and topics, before any build has it", async () => {
    const { store, varDir } = db();
    const config = await i18nConfig();
    await addReaders(store, 1, I18N_NOW);
    const deps = { ...deliveryDeps({ store, varDir, config }), contentDir: await i18nContent() };
    const temp = await tempSite();
    try {
      const created = await createEdition(deps, { now: I18N_NOW });
      if (created.status !== 'created') throw new Error('no edition');
      const slug = `2026-11-30-${created.editionId}`;
      const app = appFor(temp.publicDir, {
        editionPages: { editionPage: (p) => editionPage(store, config, p, I18N_NOW) },
      });
      const ru = await app.request(`http://127.0.0.1/ru/archive/${slug}/kazakhstan/`);
      expect(ru.status).toBe(200);
      const html = await ru.text();
      expect(html).toContain('<html lang="ru"');
      expect(html).toContain('Учения в Астане');
      expect(html).not.toContain('Встреча в Ташкенте');
      expect((await app.request(`http://127.0.0.1/archive/${slug}/operations/`)).status).toBe(200);
      expect((await app.request(`http://127.0.0.1/ru/archive/${slug}/kyrgyzstan/`)).status).toBe(404);
      expect((await app.request(`http://127.0.0.1/ru/archive/${slug}/../../etc/`)).status).toBe(404);
    } finally {
      await deps.mailer.close();
      await temp.cleanup();
    }
  });
});
