// One edition of the two-language newsroom: one digest per (language, topics) group, each reader their own items.
import { afterEach, describe, expect, it } from 'vitest';
import { mjmlCompilations } from '../../src/adapters/mjml.ts';
import { createEdition, dispatch, editionStatus, pauseEdition, resumeEdition } from '../../src/delivery/index.ts';
import { loadContent } from '../../src/content/index.ts';
import { readSentEditions } from '../../src/delivery/archive.ts';
import { renderDigestArchive } from '../../src/newsletter/index.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';
import { startSmtpServer, type ReceivedMessage, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { addSubscribers, deliveryDeps, NOW, receivedCounts } from './support.ts';
import { addReaders, expectedItems, i18nConfig, i18nContent, I18N_NOW, type Reader } from './groups-support.ts';

/** Every reader who is not pausing and whose topics had something new got exactly their items, once. */
async function checkMail(
  messages: readonly ReceivedMessage[],
  readers: readonly Reader[],
  contentDir: string,
): Promise<void> {
  const config = await i18nConfig();
  const all = await loadContent(contentDir, config, I18N_NOW);
  const counts = receivedCounts(messages);
  for (const reader of readers) {
    const expected = await expectedItems(config, contentDir, reader);
    const paused =
      reader.pausedUntil !== undefined && reader.pausedUntil !== null && reader.pausedUntil > I18N_NOW.getTime();
    if (paused || expected.length === 0) {
      expect(counts.get(reader.email), reader.email).toBeUndefined();
      continue;
    }
    expect(counts.get(reader.email), reader.email).toBe(1);
    const mail = messages.find((m) => m.to.includes(reader.email))!.parsed;
    const text = mail.text ?? '';
    const html = String(mail.html);
    for (const item of all) {
      const wanted = expected.some((e) => e.id === item.id);
      expect(text.includes(item.title), `${reader.email}: ${item.title}`).toBe(wanted);
      expect(html.includes(item.title), `${reader.email}: ${item.title}`).toBe(wanted);
      expect(html.includes(`href="${item.url}"`), `${reader.email}: ${item.url}`).toBe(wanted);
    }
  }
  expect(counts.size).toBe(
    (
      await Promise.all(
        readers.map(
          async (r) =>
            (r.pausedUntil ?? 0) <= I18N_NOW.getTime() && (await expectedItems(config, contentDir, r)).length > 0,
        ),
      )
    ).filter(Boolean).length,
  );
}

describe.each(testDialects())('an edition per language and topics on %s', { timeout: 120_000 }, (dialect) => {
  const db = useTestStore(dialect);
  let smtp: TestSmtpServer | undefined;
  afterEach(async () => {
    await smtp?.close();
    smtp = undefined;
  });

  it('sends each reader the items of their language and topics, once; those with nothing new get nothing', async () => {
    const { store, varDir } = db();
    smtp = await startSmtpServer();
    const contentDir = await i18nContent();
    const readers = await addReaders(store, 3, I18N_NOW);
    const deps = {
      ...deliveryDeps({ store, varDir, smtpUrl: smtp.url, config: await i18nConfig() }),
      contentDir,
    };

    const before = mjmlCompilations();
    const created = await createEdition(deps, { now: I18N_NOW });
    if (created.status !== 'created') throw new Error('no edition');
    // one compile per group with items, however many readers it has
    const withItems = created.groups.filter((g) => !g.skipped);
    expect(withItems.map((g) => g.key)).toEqual([
      'en',
      'en:kazakhstan',
      'en:kyrgyzstan+training',
      'en:operations',
      'ru',
      'ru:kazakhstan',
      'ru:operations',
    ]);
    expect(mjmlCompilations() - before).toBe(withItems.length);
    expect(created.groups.filter((g) => g.skipped)).toEqual([
      { key: 'ru:kyrgyzstan', recipients: 3, items: 0, skipped: true },
    ]);
    expect(created.skipped).toBe(3);
    // the reader pausing is left out, and counted as such; the one whose pause ended is back
    expect(created.paused).toBe(1);
    // 8 choices × 3 readers, the 3 with nothing new and the pausing one left out, the one back from a pause in
    expect(created.recipients).toBe(22);
    expect(created.subject).toBe('CARICC News: 4 new items, week of 30 November 2026');

    const result = await dispatch(deps, { workerId: 'w1' });
    await deps.mailer.close();
    expect(result).toMatchObject({ sent: 22, failed: 0, completed: [created.editionId] });
    // sending compiles no MJML: each group's digest was composed when the edition was made
    expect(mjmlCompilations() - before).toBe(withItems.length);
    await checkMail(smtp.messages, readers, contentDir);

    const [report] = await editionStatus(deps, created.editionId);
    expect(report!.groups.find((g) => g.key === 'ru:kyrgyzstan')).toMatchObject({
      recipients: 3,
      skipped: true,
      sent: 0,
    });
    expect(report!.groups.find((g) => g.key === 'ru:kazakhstan')).toMatchObject({
      recipients: 3,
      items: 2,
      sent: 3,
      pending: 0,
      failed: 0,
      skipped: false,
    });
  });

  it("archives each group's page under its language, with an index per language", async () => {
    const { store, varDir } = db();
    const contentDir = await i18nContent();
    await addReaders(store, 1, I18N_NOW);
    const config = await i18nConfig();
    const deps = { ...deliveryDeps({ store, varDir, config }), contentDir };
    const created = await createEdition(deps, { now: I18N_NOW });
    if (created.status !== 'created') throw new Error('no edition');
    const files = renderDigestArchive(await readSentEditions(store), config);
    const slug = `2026-11-30-${created.editionId}`;
    const body = (p: string): string => String(files.find((f) => f.path === p)?.body ?? '');
    expect(files.map((f) => f.path).sort()).toEqual(
      [
        'archive/index.html',
        `archive/${slug}/index.html`,
        `archive/${slug}/kazakhstan/index.html`,
        `archive/${slug}/kyrgyzstan+training/index.html`,
        `archive/${slug}/operations/index.html`,
        'ru/archive/index.html',
        `ru/archive/${slug}/index.html`,
        `ru/archive/${slug}/kazakhstan/index.html`,
        `ru/archive/${slug}/operations/index.html`,
      ].sort(),
    );
    expect(body('ru/archive/index.html')).toContain('<html lang="ru">');
    expect(body('ru/archive/index.html')).toContain('Архив дайджестов');
    expect(body('ru/archive/index.html')).toContain(`href="${slug}/kazakhstan/"`);
    expect(body('ru/archive/index.html')).toContain('(Казахстан)');
    expect(body('ru/archive/index.html')).toContain('30 ноября 2026');
    expect(body('archive/index.html')).toContain('Digest archive');
    expect(body('archive/index.html')).not.toContain('Новости');
    const ruKz = body(`ru/archive/${slug}/kazakhstan/index.html`);
    expect(ruKz).toContain('Учения в Астане');
    expect(ruKz).not.toContain('Встреча в Ташкенте');
    expect(ruKz).toContain('Подписаться');
    // the page's "view in browser" link is its own address
    expect(ruKz).toContain(`https://caricc.example/ru/archive/${slug}/kazakhstan/`);
  });

  it('writes Russian readers a Russian digest: subject with its plural, words and dates in both parts', async () => {
    const { store, varDir } = db();
    smtp = await startSmtpServer();
    const contentDir = await i18nContent();
    await addReaders(store, 1, I18N_NOW);
    const deps = { ...deliveryDeps({ store, varDir, smtpUrl: smtp.url, config: await i18nConfig() }), contentDir };
    const created = await createEdition(deps, { now: I18N_NOW });
    if (created.status !== 'created') throw new Error('no edition');
    await dispatch(deps, { workerId: 'w1' });
    await deps.mailer.close();
    const mailTo = (address: string) => smtp!.messages.find((m) => m.to.includes(address))!.parsed;

    const kz = mailTo('ru-kz-1@example.org');
    expect(kz.subject).toBe('Новости ЦАРИКЦ: 2 новости, неделя 30 ноября 2026');
    expect(mailTo('ru-ops-1@example.org').subject).toBe('Новости ЦАРИКЦ: 1 новость, неделя 30 ноября 2026');
    expect(mailTo('ru-all-1@example.org').subject).toBe('Новости ЦАРИКЦ: 3 новости, неделя 30 ноября 2026');
    const text = kz.text ?? '';
    const html = String(kz.html);
    for (const part of [text, html]) {
      expect(part).toContain('Здравствуйте');
      expect(part).toContain('Дайджест новостей за');
      expect(part).toContain('30 ноября 2026');
      expect(part).toContain('25 ноября 2026');
      expect(part).toContain('Читать полностью');
      expect(part).toContain('Отписаться');
      expect(part).toContain('Изменить подписку');
      expect(part).toContain('Новости Центра и его партнёров за неделю.');
      expect(part).toContain('Республика Казахстан');
      expect(part).not.toMatch(/Read the full story|Unsubscribe|News digest of|November/);
    }
    expect(html).toContain('<html lang="ru"');
    // the preferences link is the reader's own; List-Unsubscribe is as before
    expect(text).toMatch(/https:\/\/caricc\.example\/preferences\?token=\S+/);
    const raw = smtp.messages.find((m) => m.to.includes('ru-kz-1@example.org'))!.raw.toString('utf8');
    expect(raw).toMatch(/^List-Unsubscribe: <https:\/\/caricc\.example\/unsubscribe\?token=/m);
    expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click/m);
    // an English reader's digest stays English
    const en = mailTo('en-kz-1@example.org');
    expect(en.subject).toBe('CARICC News: 1 new item, week of 30 November 2026');
    expect(en.text).toContain('Read the full story');
    expect(en.text).toContain('Change what you get:');
  });

  it('a grouped edition stopped and paused part way still reaches each reader exactly once', async () => {
    const { store, varDir } = db();
    smtp = await startSmtpServer({ delayMs: 5 });
    const contentDir = await i18nContent();
    const readers = await addReaders(store, 12, I18N_NOW);
    const config = await i18nConfig({ batchSize: 10, concurrency: 2 });
    const deps = { ...deliveryDeps({ store, varDir, smtpUrl: smtp.url, config }), contentDir };
    const created = await createEdition(deps, { now: I18N_NOW });
    if (created.status !== 'created') throw new Error('no edition');
    expect(created.recipients).toBe(12 * 7 + 1);

    // a sender stopped after some messages (as a SIGTERM does)
    const abort = new AbortController();
    const first = await dispatch(deps, {
      workerId: 'w1',
      signal: abort.signal,
      onProgress: (p) => {
        if (p.sent >= 20) abort.abort();
      },
    });
    expect(first.aborted).toBe(true);
    expect(smtp.messages.length).toBeLessThan(created.recipients);

    // another paused by an operator part way, then resumed
    const editionId = created.editionId;
    let paused = false;
    await dispatch(deps, {
      workerId: 'w2',
      onProgress: (p) => {
        if (!paused && p.sent >= 45) {
          paused = true;
          void pauseEdition(store, editionId, 'operator');
        }
      },
    });
    const [mid] = await editionStatus(deps, editionId);
    expect(mid!.state).toBe('paused');
    expect(smtp.messages.length).toBeLessThan(created.recipients);

    await resumeEdition(deps, { editionId });
    const last = await dispatch(deps, { workerId: 'w3' });
    await deps.mailer.close();
    expect(last.completed).toEqual([editionId]);
    await checkMail(smtp.messages, readers, contentDir);
    const [report] = await editionStatus(deps, editionId);
    expect(report).toMatchObject({ state: 'sent', counts: { sent: created.recipients, pending: 0, uncertain: 0 } });
  });
});

describe.each(testDialects())('an edition made before groups on %s', { timeout: 60_000 }, (dialect) => {
  const db = useTestStore(dialect);
  let smtp: TestSmtpServer | undefined;
  afterEach(async () => {
    await smtp?.close();
    smtp = undefined;
  });

  it('still sends from the edition row: no edition_groups rows, no group on its deliveries', async () => {
    const { store, varDir } = db();
    smtp = await startSmtpServer();
    await addSubscribers(store, 30);
    const deps = deliveryDeps({ store, varDir, smtpUrl: smtp.url });
    const created = await createEdition(deps, { now: NOW });
    if (created.status !== 'created') throw new Error('no edition');
    // as an older gazette left it
    await store.db.deleteFrom('edition_groups').execute();
    await store.db.updateTable('deliveries').set({ group_key: null }).execute();
    await pauseEdition(store, created.editionId, 'upgrade');
    await resumeEdition(deps, { editionId: created.editionId });
    const result = await dispatch(deps, { workerId: 'w1' });
    await deps.mailer.close();
    expect(result).toMatchObject({ sent: 30, completed: [created.editionId] });
    const counts = receivedCounts(smtp.messages);
    expect(counts.size).toBe(30);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(smtp.messages[0]!.parsed.subject).toBe('CARICC News: 2 new items, week of 4 October 2021');
    const [report] = await editionStatus(deps, created.editionId);
    expect(report!.groups).toEqual([]);
  });
});
