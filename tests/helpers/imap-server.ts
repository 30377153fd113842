// A real IMAP server for tests: Debian's Dovecot, started on a free port with one user and a maildir in a
// temporary folder, stopped and removed by close(). scripts/install-system-deps.sh installs it.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface TestImapServer {
  port: number;
  user: string;
  password: string;
  /** An IMAP_URL for the user's INBOX. */
  url: string;
  close(): Promise<void>;
}

/** A port nothing listens on now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startImapServer(): Promise<TestImapServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-imap-'));
  // Dovecot's unprivileged helpers must reach its run folder; the mail belongs to nobody
  await chmod(dir, 0o755);
  await mkdir(path.join(dir, 'run/state'), { recursive: true });
  await mkdir(path.join(dir, 'mail'));
  const ids = execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim();
  const gid = execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim();
  await chown(path.join(dir, 'mail'), Number(ids), Number(gid));
  const port = await freePort();
  const user = 'bounces';
  const password = 'imap-test-password';
  await writeFile(path.join(dir, 'passwd'), `${user}:{PLAIN}${password}\n`);
  const conf = path.join(dir, 'dovecot.conf');
  await writeFile(
    conf,
    `base_dir = ${dir}/run
log_path = ${dir}/dovecot.log
state_dir = ${dir}/run/state
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${dir}/mail/%u
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${ids} gid=${gid} home=${dir}/mail/%u
}
service imap-login {
  inet_listener imap {
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
`,
  );
  // the daemon keeps whatever it inherits open: no pipes, or this would wait for it to exit
  const started = spawnSync('dovecot', ['-c', conf], { stdio: 'ignore' });
  if (started.status !== 0)
    throw new Error(`dovecot did not start: ${await readFile(path.join(dir, 'dovecot.log'), 'utf8').catch(() => '')}`);
  // ready once the login service answers
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('data', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    user,
    password,
    url: `imap://${user}:${password}@127.0.0.1:${port}/INBOX`,
    async close() {
      const pid = Number((await readFile(path.join(dir, 'run/master.pid'), 'utf8').catch(() => '0')).trim());
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // gone already
        }
        for (let i = 0; i < 100; i++) {
          try {
            process.kill(pid, 0);
          } catch {
            break;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
