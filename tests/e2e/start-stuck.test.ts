// A stop that cannot finish (the mail server accepted the connection and never answers) is bounded:
// past --shutdown-timeout the worker logs why and exits non-zero instead of hanging.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/pino.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createEdition } from '../../src/delivery/index.ts';
import { createMailer } from '../../src/mail/index.ts';
import { openStore } from '../../src/store/index.ts';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.ts';
import { addActiveSubscribers, configOffSchedule, itemFile, templatesDir } from '../worker/support.ts';

describe('gazette start with a mail server that never answers', { timeout: 60_000 }, () => {
  let root: string;
  let silent: Server;
  const sockets = new Set<Socket>();
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'gazette-stuck-'));
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    await writeFile(path.join(root, 'gazette.yaml'), await configOffSchedule());
    await mkdir(path.join(root, 'content/news'), { recursive: true });
    await writeFile(
      path.join(root, 'content/news/seizure.md'),
      itemFile('Heroin seized at the border', new Date(Date.now() - 86_400_000)),
    );
    const varDir = path.join(root, 'var');
    const store = await openStore({ databaseUrl: undefined, varDir });
    const mailer = createMailer({ smtpUrl: undefined, outboxDir: path.join(varDir, 'outbox') });
    try {
      await addActiveSubscribers(store, 3, new Date(Date.now() - 30 * 86_400_000));
      const config = await loadConfig(path.join(root, 'gazette.yaml'));
      const deps = {
        store,
        mailer,
        config,
        logger: silentLogger(),
        now: () => new Date(),
        contentDir: path.join(root, 'content'),
        templatesDir,
        root,
        secret: 'stuck-test-secret-0123456789abcdef',
      };
      expect((await createEdition(deps, { now: new Date() })).status).toBe('created');
    } finally {
      await mailer.close();
      await store.close();
    }
  });
  afterAll(async () => {
    await worker?.stop('SIGKILL').catch(() => undefined);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    await rm(root, { recursive: true, force: true });
  });

  it('exits non-zero, saying so, once the bound has passed', async () => {
    const { port } = silent.address() as { port: number };
    worker = startWorkerProcess({
      cwd: root,
      env: {
        PORT: '0',
        SMTP_URL: `smtp://127.0.0.1:${port}?ignoreTLS=true`,
        GAZETTE_SECRET: 'stuck-test-secret-0123456789abcdef',
      },
      args: ['--shutdown-timeout', '2'],
    });
    await worker.url;
    await worker.waitForLog((r) => r.msg === 'edition sending');
    // The message is in flight and its server is silent: the stop cannot finish it.
    while (sockets.size === 0) await new Promise((r) => setTimeout(r, 50));
    const code = await worker.stop('SIGTERM', 20_000);
    expect(code).toBe(1);
    expect(
      worker.logs().find((r) => typeof r.msg === 'string' && r.msg.startsWith('did not stop in time')),
    ).toMatchObject({ level: 50, boundSeconds: 2 });
  });
});
