// Bounce fixtures: real-format reports with placeholders for who the digest went to and what it quoted.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/bounces');

/** A fixture with its placeholders filled: who the digest went to, its Message-ID, the envelope it came from. */
export async function fixture(name: string, fill: Partial<Record<string, string>> = {}): Promise<Buffer> {
  const values: Record<string, string> = {
    RCPT: 'reader7@example.org',
    MESSAGE_ID: '<k7m2q9x4c1@caricc.org>',
    TO: 'bounces@caricc.org',
    ENVELOPE_FROM: 'bounces@caricc.org',
    ...fill,
  };
  const text = await readFile(path.join(FIXTURES, name), 'utf8');
  return Buffer.from(text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? ''));
}
