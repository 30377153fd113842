// The token-signing secret: GAZETTE_SECRET, or one generated into var/secret on first run.
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.ts';

const MIN_LENGTH = 16;

/**
 * Returns GAZETTE_SECRET when set; otherwise the contents of `<varDir>/secret`, creating it
 * (32 random bytes, hex, mode 0600) when absent. Two processes starting at once agree on one secret.
 */
export async function loadOrCreateSecret(
  varDir: string,
  env: { GAZETTE_SECRET?: string | undefined },
): Promise<string> {
  const fromEnv = env.GAZETTE_SECRET;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < MIN_LENGTH) {
      throw new ConfigError(`GAZETTE_SECRET must be at least ${MIN_LENGTH} characters long`, {
        file: 'environment',
        key: 'GAZETTE_SECRET',
      });
    }
    return fromEnv;
  }
  const file = path.join(varDir, 'secret');
  const existing = await readSecret(file);
  if (existing !== undefined) return existing;

  // var/ holds the secret, the database and the outbox's live links: its owner's only
  await mkdir(varDir, { recursive: true, mode: 0o700 });
  // Written in full under a private name, then linked into place: link() fails if another process
  // got there first, and no reader ever sees a half-written file.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temp, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  try {
    await link(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  const created = await readSecret(file);
  if (created === undefined)
    throw new ConfigError(`${file} is empty or too short; delete it or set GAZETTE_SECRET`, {
      file,
      key: 'GAZETTE_SECRET',
    });
  return created;
}

async function readSecret(file: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`, {
      file,
      key: 'GAZETTE_SECRET',
      cause: err,
    });
  }
  const secret = text.trim();
  if (secret.length < MIN_LENGTH)
    throw new ConfigError(`${file} is empty or too short; delete it or set GAZETTE_SECRET`, {
      file,
      key: 'GAZETTE_SECRET',
    });
  return secret;
}
