// `gazette subscribers import --update`: the file's state and name are applied to addresses already present, so a list
// of addresses that unsubscribed elsewhere can be imported; a blank value leaves theirs alone. Without the flag an
// import never changes an existing subscriber.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';
import { childEnv, repoRoot } from '../helpers/worker-process.ts';

function subscribers(
  cwd: string,
  databaseUrl: string,
  args: string[],
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/gazette.js'), 'subscribers', ...args], {
      cwd,
      env: childEnv({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out, err }));
  });
}

async function table(store: Store) {
  const rows = await store.db
    .selectFrom('subscribers')
    .select(['email', 'state', 'name', 'unsubscribed_at'])
    .orderBy('email')
    .execute();
  return rows.map((r) => ({ email: r.email, state: r.state, name: r.name, left: r.unsubscribed_at !== null }));
}

describe.each(testDialects())('subscribers import --update on %s', (dialect) => {
  const t = useTestStore(dialect);

  it("applies the file's state and name to existing subscribers only when asked", async () => {
    const { url, varDir, store } = t();
    for (const args of [
      ['add', 'aida@example.org', '--name', 'Aida'],
      ['add', 'bolat@example.org', '--name', 'Bolat'],
      ['add', 'chingiz@example.org'],
      ['add', 'dana@example.org', '--state', 'unsubscribed'],
    ])
      expect((await subscribers(varDir, url, args)).code).toBe(0);
    await writeFile(
      path.join(varDir, 'left.csv'),
      'email,name,state\n' +
        'AIDA@example.org,,unsubscribed\n' + // unsubscribed elsewhere
        'bolat@example.org,Bolat Zhaksybekov,\n' + // a new name, no state: stays active
        'chingiz@example.org,,active\n' + // as it is
        'dana@example.org,,active\n' + // explicitly back
        'erlan@example.org,Erlan,unsubscribed\n', // new
    );
    const before = [
      { email: 'aida@example.org', state: 'active', name: 'Aida', left: false },
      { email: 'bolat@example.org', state: 'active', name: 'Bolat', left: false },
      { email: 'chingiz@example.org', state: 'active', name: null, left: false },
      { email: 'dana@example.org', state: 'unsubscribed', name: null, left: true },
    ];

    const plain = await subscribers(varDir, url, ['import', 'left.csv']);
    expect(plain.err).toBe('');
    expect(plain.out).toBe('left.csv: 5 rows, 5 accepted (1 added, 4 already present), 0 rejected\n');
    expect(await table(store)).toEqual([
      ...before,
      { email: 'erlan@example.org', state: 'unsubscribed', name: 'Erlan', left: true },
    ]);

    const updating = await subscribers(varDir, url, ['import', 'left.csv', '--update']);
    expect(updating.err).toBe('');
    expect(updating.code).toBe(0);
    expect(updating.out).toBe(
      'left.csv: 5 rows, 5 accepted (0 added, 5 already present, 3 of them updated), 0 rejected\n',
    );
    expect(await table(store)).toEqual([
      { email: 'aida@example.org', state: 'unsubscribed', name: 'Aida', left: true },
      { email: 'bolat@example.org', state: 'active', name: 'Bolat Zhaksybekov', left: false },
      { email: 'chingiz@example.org', state: 'active', name: null, left: false },
      { email: 'dana@example.org', state: 'active', name: null, left: true },
      { email: 'erlan@example.org', state: 'unsubscribed', name: 'Erlan', left: true },
    ]);

    // the same file again changes nothing more
    expect((await subscribers(varDir, url, ['import', 'left.csv', '--update'])).out).toBe(
      'left.csv: 5 rows, 5 accepted (0 added, 5 already present, 0 of them updated), 0 rejected\n',
    );
    // a file of addresses alone never re-subscribes anyone, even with --update
    await writeFile(path.join(varDir, 'addresses.csv'), 'email\naida@example.org\n');
    expect((await subscribers(varDir, url, ['import', 'addresses.csv', '--update'])).out).toBe(
      'addresses.csv: 1 rows, 1 accepted (0 added, 1 already present, 0 of them updated), 0 rejected\n',
    );
    expect((await table(store))[0]).toMatchObject({ email: 'aida@example.org', state: 'unsubscribed' });
  }, 120_000);
});
