// The dashboard of the two-language newsroom: an edition's groups, skipped ones named, and the preview of any group.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/pino.ts';
import { createDashboardService } from '../../src/cli/dashboard.ts';
import { createEdition } from '../../src/delivery/index.ts';
import { createApp } from '../../src/server/app.ts';
import { createSubscriptionService } from '../../src/subscribers/index.ts';
import { loggedIn, testEnvironment, TOKEN } from '../admin/support.ts';
import { addReaders, i18nConfig, i18nContent, I18N_NOW } from '../delivery/groups-support.ts';
import { deliveryDeps, SECRET } from '../delivery/support.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';

describe.each(testDialects())('the dashboard of groups on %s', { timeout: 60_000 }, (dialect) => {
  const db = useTestStore(dialect);
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  async function dashboard() {
    const { store, varDir } = db();
    dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-admin-groups-'));
    const contentDir = await i18nContent();
    const config = await i18nConfig();
    const deps = { ...deliveryDeps({ store, varDir, config, now: () => I18N_NOW }), contentDir };
    const subscriptions = createSubscriptionService({
      store,
      mailer: deps.mailer,
      site: { title: config.site.title, url: config.site.url },
      from: config.digest.from,
      secret: SECRET,
      now: () => I18N_NOW,
    });
    const port = createDashboardService({
      deps,
      env: testEnvironment(dir, { contentDir }),
      subscriptions,
      trigger: () => createEdition(deps, { now: I18N_NOW }),
      dispatchInBackground: () => undefined,
    });
    const app = createApp({
      publicDir: path.join(dir, 'public'),
      site: { title: 'CARICC News', language: 'en' },
      subscriptions,
      adminToken: TOKEN,
      dashboard: { port, secret: SECRET, siteUrl: config.site.url, timezone: config.site.timezone },
      logger: silentLogger(),
      now: () => I18N_NOW.getTime(),
    });
    return { app, deps, store };
  }

  it('shows each group of an edition with its counts, and the readers skipped with nothing new', async () => {
    const { app, deps, store } = await dashboard();
    await addReaders(store, 2, I18N_NOW);
    const created = await createEdition(deps, { now: I18N_NOW });
    if (created.status !== 'created') throw new Error('no edition');
    const client = await loggedIn(app);
    const page = await (await client.get(`/admin/editions/${created.editionId}`)).text();
    expect(page).toContain('Groups (8)');
    const row = (key: string): string =>
      (page.match(new RegExp(`<tr data-group="${key}">.*?</tr>`, 's'))?.[0] ?? '').replace(/>\s+</g, '><');
    // readers, then items, sent, pending, failed
    expect(row('ru:kyrgyzstan')).toBe(
      '<tr data-group="ru:kyrgyzstan"><td><code>ru:kyrgyzstan</code></td><td>2</td>' +
        '<td colspan="4">skipped: nothing new</td></tr>',
    );
    expect(row('ru:kazakhstan')).toBe(
      '<tr data-group="ru:kazakhstan"><td><code>ru:kazakhstan</code></td><td>2</td><td>2</td>' +
        '<td>0</td><td>2</td><td>0</td></tr>',
    );
    await deps.mailer.close();
  });

  it('previews the digest of any group: ?lang=ru&topics=kazakhstan is that group, in Russian', async () => {
    const { app, deps } = await dashboard();
    const client = await loggedIn(app);
    const page = await (await client.get('/admin/preview?lang=ru&topics=kazakhstan')).text();
    expect(page).toContain('Новости ЦАРИКЦ: 2 новости, неделя 30 ноября 2026');
    expect(page).toContain('src="/admin/preview/digest.html?lang=ru&amp;topics=kazakhstan"');
    expect(page).toContain('<option value="ru" selected>ru</option>');
    const frame = await (await client.get('/admin/preview/digest.html?lang=ru&topics=kazakhstan')).text();
    expect(frame).toContain('Учения в Астане');
    expect(frame).not.toContain('Встреча в Ташкенте');
    expect(frame).not.toContain('Heroin seized in Almaty');
    const english = await (await client.get('/admin/preview')).text();
    expect(english).toContain('CARICC News: 4 new items, week of 30 November 2026');
    const unknown = await client.get('/admin/preview?lang=de');
    expect(unknown.status).toBe(409);
    expect(await unknown.text()).toContain('unknown language');
    await deps.mailer.close();
  });
});
