// Shared set-up for worker tests: a site folder with dated items, the repository's config, active subscribers in bulk.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Store } from '../../src/store/index.ts';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const templatesDir = path.join(repoRoot, 'templates');

export function itemFile(title: string, date: Date | string, extra = ''): string {
  const when = typeof date === 'string' ? date : date.toISOString().replace(/\.\d+Z$/, 'Z');
  return (
    `---\ntitle: ${JSON.stringify(title)}\ndate: ${when}\nsummary: ${JSON.stringify(`Summary of ${title}.`)}\n` +
    `${extra}---\n\nBody of ${title}.\n`
  );
}

/** A folder laid out like a gazette checkout: content/ with `items` ({ file: [title, date] }). */
export async function makeSite(
  items: Record<string, [string, Date | string]>,
): Promise<{ root: string; contentDir: string }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'gazette-worker-'));
  const contentDir = path.join(root, 'content');
  for (const [file, [title, date]] of Object.entries(items)) {
    await mkdir(path.dirname(path.join(contentDir, file)), { recursive: true });
    await writeFile(path.join(contentDir, file), itemFile(title, date));
  }
  return { root, contentDir };
}

export function repoConfig(): Promise<Config> {
  return loadConfig(path.join(repoRoot, 'gazette.yaml'));
}

/** Inserts `count` active subscribers `reader<i>@example.org` in batches; returns their addresses. */
export async function addActiveSubscribers(
  store: Store,
  count: number,
  now: Date,
  domain = 'example.org',
): Promise<string[]> {
  const emails = Array.from({ length: count }, (_, i) => `reader${i}@${domain}`);
  for (let i = 0; i < emails.length; i += 500) {
    await store.db
      .insertInto('subscribers')
      .values(
        emails.slice(i, i + 500).map((email) => ({
          email,
          email_key: email,
          state: 'active' as const,
          name: null,
          created_at: now.getTime(),
          updated_at: now.getTime(),
          confirmed_at: now.getTime(),
          unsubscribed_at: null,
          notified_at: null,
        })),
      )
      .execute();
  }
  return emails;
}

/** Polls `read` until `ok` holds (errors count as "not yet"); resolves with the value, rejects after `timeoutMs`. */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await read();
      if (ok(last)) return last;
    } catch {
      // not there yet
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met after ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The repository's gazette.yaml, with its weekly slot moved half a week away from `now`, for a `gazette start` run on
 * the real clock. The sample's Monday 09:00 slot is due (and caught up) for max_lateness_hours after it each week; a
 * worker started then would send its own edition first, and a test of something else would see it.
 */
export async function configOffSchedule(now = new Date()): Promise<string> {
  const yaml = await readFile(path.join(repoRoot, 'gazette.yaml'), 'utf8');
  const zone = (await repoConfig()).site.timezone;
  const slot = new Date(now.getTime() + 3.5 * 86_400_000);
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    weekday: 'short',
    hour: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(slot);
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(part('weekday'));
  const schedule = `  schedule: "0 ${Number(part('hour'))} * * ${weekday}"`;
  const moved = yaml.replace(/^ {2}schedule: .*$/m, schedule);
  if (!moved.includes(schedule)) throw new Error('gazette.yaml has no digest.schedule');
  return moved;
}
