// Readers' languages and topics on the command line and in CSV: `subscribers add --language --topics`, `list`,
// an export and import round trip with the two columns, and a bad value refused by line and column, importing
// nothing; the dashboard's import refuses it the same way. Real database, gazette run as a user runs it.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.ts';
import { dashboardApp, loggedIn } from '../admin/support.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const NEWSROOM = path.join(ROOT, 'tests/fixtures/newsroom-i18n/gazette.yaml');

function gazette(databaseUrl: string, cwd: string, args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' };
  delete env.GAZETTE_CONFIG;
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'bin/gazette.js'), 'subscribers', ...args, '--config', NEWSROOM],
      { cwd, env },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function choices(store: Store) {
  const rows = await store.db
    .selectFrom('subscribers')
    .select(['email', 'state', 'language', 'topics'])
    .orderBy('email')
    .execute();
  return rows.map((r) => [r.email, r.state, r.language, r.topics]);
}

describe.each(testDialects())('languages and topics on the command line and in CSV on %s', (dialect) => {
  const t = useTestStore(dialect);

  it('adds with --language and --topics, lists them, and round-trips them through export and import', async () => {
    const { url, varDir, store } = t();
    const added = await gazette(url, varDir, [
      'add',
      'aida@mail.kz',
      '--language',
      'ru',
      '--topics',
      'kazakhstan,training',
    ]);
    expect(added.stdout).toBe('added aida@mail.kz (active)\n');
    await gazette(url, varDir, ['add', 'bolat@example.org']);
    await gazette(url, varDir, ['add', 'chen@example.org', '--topics', 'operations']);
    expect(await choices(store)).toEqual([
      ['aida@mail.kz', 'active', 'ru', '["kazakhstan","training"]'],
      ['bolat@example.org', 'active', null, null],
      ['chen@example.org', 'active', null, '["operations"]'],
    ]);

    const listed = (await gazette(url, varDir, ['list'])).stdout.split('\n');
    expect(listed[0]).toMatch(/^aida@mail\.kz\s+active\s+ru\s+kazakhstan,training\s+\d{4}-\d\d-\d\d$/);
    expect(listed[1]).toMatch(/^bolat@example\.org\s+active\s+-\s+all\s+\d{4}-/);
    expect(listed[2]).toMatch(/^chen@example\.org\s+active\s+-\s+operations\s+\d{4}-/);

    const file = path.join(varDir, 'export.csv');
    expect((await gazette(url, varDir, ['export', file])).code).toBe(0);
    const csv = await readFile(file, 'utf8');
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe('email,name,state,source,created_at,confirmed_at,unsubscribed_at,language,topics');
    expect(lines[1]).toMatch(/,ru,kazakhstan training$/);
    expect(lines[2]).toMatch(/,,$/);
    expect(lines[3]).toMatch(/,,operations$/);

    // the export, imported into an empty list, gives the same choices back
    await store.db.deleteFrom('subscribers').execute();
    const imported = await gazette(url, varDir, ['import', file]);
    expect(imported.stdout).toBe('export.csv: 3 rows, 3 accepted (3 added, 0 already present), 0 rejected\n');
    expect(await choices(store)).toEqual([
      ['aida@mail.kz', 'active', 'ru', '["kazakhstan","training"]'],
      ['bolat@example.org', 'active', null, null],
      ['chen@example.org', 'active', null, '["operations"]'],
    ]);

    // --update applies a file's explicit choices to readers already present
    await writeFile(path.join(varDir, 'moved.csv'), 'email,language,topics\nbolat@example.org,ru,kyrgyzstan\n');
    expect((await gazette(url, varDir, ['import', 'moved.csv', '--update'])).code).toBe(0);
    expect((await choices(store))[1]).toEqual(['bolat@example.org', 'active', 'ru', '["kyrgyzstan"]']);
  }, 60_000);

  it('refuses an unknown topic or language by line and column, importing nothing; --topics in one line', async () => {
    const { url, varDir, store } = t();
    await writeFile(
      path.join(varDir, 'bad-topic.csv'),
      'email,language,topics\na@example.org,ru,kazakhstan\nb@example.org,en,\nc@example.org,,training weather\n',
    );
    const badTopic = await gazette(url, varDir, ['import', 'bad-topic.csv']);
    expect(badTopic.code).toBe(1);
    expect(badTopic.stderr).toBe(
      'gazette: bad-topic.csv: line 4, column "topics": "weather" is not one of the digest\'s topics ' +
        '(kazakhstan, kyrgyzstan, operations, training; ids separated by spaces, blank for everything); ' +
        'nothing was imported\n',
    );
    await writeFile(path.join(varDir, 'bad-language.csv'), 'email,language\na@example.org,ru\nb@example.org,kk\n');
    const badLanguage = await gazette(url, varDir, ['import', 'bad-language.csv']);
    expect(badLanguage.code).toBe(1);
    expect(badLanguage.stderr).toBe(
      'gazette: bad-language.csv: line 3, column "language": "kk" is not one of the site\'s languages (en, ru); ' +
        'nothing was imported\n',
    );
    expect(await choices(store)).toEqual([]);

    const badOption = await gazette(url, varDir, ['add', 'a@example.org', '--topics', 'kazakhstan,weather']);
    expect(badOption.code).toBe(1);
    expect(badOption.stderr).toBe(
      'gazette: --topics: "weather" is not a topic of digest.topics (kazakhstan, kyrgyzstan, operations, training)\n',
    );
    const badCode = await gazette(url, varDir, ['add', 'a@example.org', '--language', 'kk']);
    expect(badCode.stderr).toBe('gazette: --language must be one of en, ru (site.languages), got "kk"\n');
    expect(await choices(store)).toEqual([]);
  }, 60_000);

  it("the dashboard's import refuses a topic the site does not have, and imports nothing", async () => {
    const { store } = t();
    const harness = await dashboardApp(store);
    try {
      const client = await loggedIn(harness.app);
      const form = new FormData();
      form.set(
        'file',
        new File(['email,topics\na@example.org,\nb@example.org,weather\n'], 'list.csv', { type: 'text/csv' }),
      );
      const res = await client.upload('/admin/subscribers/import', form);
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain('list.csv: line 3, column &quot;topics&quot;: &quot;weather&quot; is not one of');
      expect(html).toContain('Nothing was imported.');
      expect(await choices(store)).toEqual([]);
    } finally {
      await harness.cleanup();
    }
  });
});
