// An operator's view of a running worker: /metrics (read by an independent Prometheus text-format parser) agrees with
// `gazette digest status` and `gazette status` after a real send; /readyz waits for a served build; `gazette status`
// names the live worker, the schedule's holder and the outbox.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScrape, type Scrape } from '../helpers/prometheus.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { gazetteIn, startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.ts';
import { configOffSchedule, eventually, itemFile } from '../worker/support.ts';

const ADMIN_TOKEN = 'admin-token-5d1e9c3b7a-e2e-metrics';
const METRICS_TOKEN = 'metrics-token-8b2f4a6c0e-e2e-scrape';
const GAZETTE_SECRET = 'gazette-secret-1a3c5e7b9d2f4a6c8e0b';
const day = 86_400_000;

interface DigestReport {
  editionId: number;
  state: string;
  recipients: number;
  counts: Record<string, number>;
}

interface StatusJson {
  subscribers: Record<string, number>;
  senders: { id: string; kind: string; alive: boolean; seenAt: string | null; scheduler: boolean }[];
  lease: { holder: string; expiresAt: string; lapsed: boolean } | null;
  outbox: { dir: string; messages: number } | null;
  lastEdition: { progress: { sent: number; recipients: number } } | null;
}

describe('a worker observed: /metrics, /readyz and gazette status', { timeout: 180_000 }, () => {
  let root: string;
  let smtp: TestSmtpServer;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'gazette-metrics-'));
    // c@ is refused for good at RCPT: a 5xx reply, a failed row and a hard bounce
    smtp = await startSmtpServer({
      onRcptTo: (address) => (address === 'c@example.org' ? { code: 550, message: '5.1.1 No such user' } : undefined),
    });
    await writeFile(path.join(root, 'gazette.yaml'), await configOffSchedule());
    await mkdir(path.join(root, 'content/news'), { recursive: true });
    await writeFile(path.join(root, 'content/news/seizure.md'), itemFile('Heroin seized', new Date(Date.now() - day)));
    // the first build fails: nothing is served until the file is fixed
    await writeFile(
      path.join(root, 'content/news/bad.md'),
      itemFile('Broken', new Date(Date.now() - day), 'colour: red\n'),
    );
    for (const address of ['a@example.org', 'b@example.org', 'c@example.org'])
      expect(gazetteIn(root, ['subscribers', 'add', address], { GAZETTE_SECRET }).status).toBe(0);
  });
  afterAll(async () => {
    await worker?.stop('SIGKILL').catch(() => undefined);
    await smtp.close();
    await rm(root, { recursive: true, force: true });
  });

  const scrape = async (url: string): Promise<Scrape> => {
    const res = await fetch(new URL('metrics', url), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseScrape(await res.text());
  };
  const workerId = async (w: WorkerProcess): Promise<string> =>
    (await w.waitForLog((r) => r.msg === 'worker starting')).worker as string;

  it('scrapes figures that match digest status and status after a real send', async () => {
    const env = { PORT: '0', SMTP_URL: smtp.url, ADMIN_TOKEN, GAZETTE_SECRET, METRICS_TOKEN };
    worker = startWorkerProcess({ cwd: root, env });
    const url = await worker.url;
    const id = await workerId(worker);

    // not ready: the first build failed and nothing was built before
    const notReady = await fetch(new URL('readyz', url));
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'not ready', reasons: ['no build served yet'] });
    expect((await fetch(new URL('healthz', url))).status).toBe(200);

    // the token is required, and a wrong one is refused
    const bare = await fetch(new URL('metrics', url));
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toBe('Bearer realm="gazette metrics"');
    const wrong = await fetch(new URL('metrics', url), { headers: { authorization: 'Bearer not-the-metrics-token' } });
    expect(wrong.status).toBe(401);

    const before = await scrape(url);
    expect(before.value('gazette_builds_total', { result: 'failed' })).toBe(1);
    expect(before.value('gazette_build_last_ok')).toBe(0);
    expect(before.value('gazette_database_up')).toBe(1);

    await writeFile(
      path.join(root, 'content/news/bad.md'),
      itemFile('Precursors intercepted', new Date(Date.now() - day)),
    );
    await worker.waitForLog((r) => r.msg === 'site built');
    const ready = await fetch(new URL('readyz', url));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect((await fetch(new URL('feed.xml', url))).status).toBe(200);

    const trigger = await fetch(new URL('admin/api/digest/trigger', url), {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(trigger.status).toBe(202);
    await smtp.waitFor(2, 30_000);
    await worker.waitForLog((r) => r.msg === 'dispatch done' && Array.isArray(r.completed) && r.completed.length === 1);

    const digest = gazetteIn(root, ['digest', 'status', '--json'], env);
    expect(digest.status).toBe(0);
    const [edition] = JSON.parse(digest.stdout) as DigestReport[];
    expect(edition).toMatchObject({ state: 'sent', recipients: 3 });
    expect(edition!.counts).toMatchObject({ sent: 2, failed: 1 });
    const statusRun = gazetteIn(root, ['status', '--json'], env);
    expect(statusRun.status).toBe(0);
    const status = JSON.parse(statusRun.stdout) as StatusJson;
    expect(status.subscribers).toEqual({ pending: 0, active: 2, unsubscribed: 0, bounced: 1 });

    // the database's figures are cached for a few seconds: the scrape catches up with the send
    const after = await eventually(
      () => scrape(url),
      (s) => s.value('gazette_deliveries', { state: 'sent' }) === 2,
    );
    const states = Object.keys(edition!.counts);
    const byState = (name: string, labels?: Record<string, string>) => {
      const found = after.by(name, 'state', labels);
      return Object.fromEntries(states.map((s) => [s, found[s] ?? 0]));
    };
    expect(byState('gazette_deliveries')).toEqual(edition!.counts);
    expect(byState('gazette_edition_deliveries', { edition: String(edition!.editionId) })).toEqual(edition!.counts);
    expect(after.value('gazette_edition_progress_ratio', { edition: String(edition!.editionId) })).toBeCloseTo(2 / 3);
    expect(after.value('gazette_edition_recipients', { edition: String(edition!.editionId) })).toBe(3);
    expect(after.by('gazette_subscribers', 'state')).toEqual(status.subscribers);
    expect(after.by('gazette_messages_total', 'reply_class', { kind: 'digest' })).toEqual({ '2xx': 2, '5xx': 1 });
    expect(after.value('gazette_mail_events', { type: 'bounce', class: 'hard' })).toBe(1);
    expect(after.family('gazette_messages_total')?.type).toBe('COUNTER');
    expect(after.family('gazette_deliveries')?.type).toBe('GAUGE');

    expect(after.value('gazette_builds_total', { result: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(after.value('gazette_build_last_ok')).toBe(1);
    const duration = after.family('gazette_build_duration_seconds');
    expect(duration?.type).toBe('HISTOGRAM');
    expect(Number(duration?.metrics[0]?.count)).toBeGreaterThanOrEqual(1);
    const lastBuild = after.value('gazette_build_last_success_timestamp_seconds')!;
    expect(Math.abs(lastBuild - Date.now() / 1000)).toBeLessThan(120);

    expect(after.value('gazette_http_requests_total', { route: 'feed', status: '200' })).toBe(1);
    expect(after.value('gazette_http_requests_total', { route: 'metrics', status: '401' })).toBe(2);
    expect(after.value('gazette_http_requests_total', { route: 'api', status: '202' })).toBe(1);
    expect(after.value('gazette_http_requests_total', { route: 'other', status: '503' })).toBe(1);
    expect(after.family('nodejs_heap_size_used_bytes')).toBeDefined();

    // gazette status: this worker alive and seen, running the schedule; mail goes over SMTP
    const text = gazetteIn(root, ['status'], env);
    expect(text.status).toBe(0);
    const seen = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d Asia/Almaty`;
    expect(text.stdout).toMatch(
      new RegExp(`workers: +${id.replace(/[.]/g, '\\.')}: alive, last seen ${seen}; runs the schedule\n`),
    );
    expect(text.stdout).toContain(`schedule:      run by ${id} (lease until `);
    expect(text.stdout).toContain('outbox:        not used (SMTP_URL is set)');
    const live = status.senders.find((s) => s.id === id);
    expect(live).toMatchObject({ kind: 'worker', alive: true, scheduler: true });
    expect(Math.abs(Date.parse(live!.seenAt!) - Date.now())).toBeLessThan(30_000);
    expect(status.lease).toMatchObject({ holder: id, lapsed: false });
    expect(status.outbox).toBeNull();

    expect(await worker.stop('SIGTERM')).toBe(0);
    worker = undefined;
  });

  it('without METRICS_TOKEN has no /metrics; status counts the outbox of a worker without SMTP_URL', async () => {
    const env = { PORT: '0', ADMIN_TOKEN, GAZETTE_SECRET };
    worker = startWorkerProcess({ cwd: root, env });
    const url = await worker.url;
    const id = await workerId(worker);

    const off = await fetch(new URL('metrics', url), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(off.status).toBe(404);
    // the build the last worker left is served at once
    expect((await fetch(new URL('readyz', url))).status).toBe(200);

    await writeFile(
      path.join(root, 'content/news/training.md'),
      itemFile('Analysts trained', new Date(Date.now() - 1000)),
    );
    await worker.waitForLog((r) => r.msg === 'site built' && String(r.reason).includes('training.md'));
    const trigger = await fetch(new URL('admin/api/digest/trigger', url), {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(trigger.status).toBe(202);
    await worker.waitForLog((r) => r.msg === 'dispatch done' && Array.isArray(r.completed) && r.completed.length === 1);

    const json = gazetteIn(root, ['status', '--json'], env);
    expect(json.status).toBe(0);
    const status = JSON.parse(json.stdout) as StatusJson;
    // the two active readers (c@ bounced in the first send)
    expect(status.outbox).toEqual({ dir: path.join('var', 'outbox'), messages: 2 });
    expect(status.lease).toMatchObject({ holder: id, lapsed: false });
    expect(status.senders.filter((s) => s.kind === 'worker')).toEqual([
      expect.objectContaining({ id, alive: true, scheduler: true }),
    ]);
    const text = gazetteIn(root, ['status'], env);
    expect(text.stdout).toContain(`schedule:      run by ${id} (lease until `);
    expect(text.stdout).toContain(`workers:       ${id}: alive, last seen `);
    expect(text.stdout).toContain(
      'outbox:        2 messages in var/outbox/ (no SMTP_URL: written as .eml files, not sent)',
    );

    expect(await worker.stop('SIGTERM')).toBe(0);
    worker = undefined;
  });
});
