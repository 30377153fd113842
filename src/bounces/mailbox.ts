// The return path for operators who cannot point an MX at gazette: an existing mailbox (IMAP_URL) read every
// minute. Each message it reads goes to a folder of its own: `processed`, or `unparsable` with a log line, so one
// bad message never stalls the rest, and no message is ever deleted. A message whose event could not be recorded
// (the database away) stays where it is and is read again next time.
import { openMailbox, type MailboxOptions } from '../adapters/imapflow.ts';
import { ConfigError, errorMessage } from '../errors.ts';
import type { BounceDeps } from './events.ts';
import { handleInboundMail } from './inbound.ts';

export interface MailboxSettings extends MailboxOptions {
  processedFolder: string;
  unparsableFolder: string;
}

/** Reads IMAP_URL: `imaps://user:password@host[:port]/FOLDER?processed=NAME&unparsable=NAME`. */
export function parseImapUrl(url: string): MailboxSettings {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('IMAP_URL is not a URL (imaps://user:password@host/INBOX)', {
      file: 'environment',
      key: 'IMAP_URL',
    });
  }
  const secure = parsed.protocol === 'imaps:';
  if (!secure && parsed.protocol !== 'imap:')
    throw new ConfigError(`IMAP_URL: unknown scheme "${parsed.protocol}//"; accepted: imaps://, imap://`, {
      file: 'environment',
      key: 'IMAP_URL',
    });
  if (!parsed.username || !parsed.hostname)
    throw new ConfigError('IMAP_URL names no user or no host (imaps://user:password@host/INBOX)', {
      file: 'environment',
      key: 'IMAP_URL',
    });
  const folder = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'INBOX';
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : secure ? 993 : 143,
    secure,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    folder,
    processedFolder: parsed.searchParams.get('processed') ?? 'gazette-processed',
    unparsableFolder: parsed.searchParams.get('unparsable') ?? 'gazette-unparsable',
  };
}

export interface PollReport {
  processed: number;
  unparsable: number;
  /** Left in place to be read again: their events could not be recorded. */
  deferred: number;
}

/** One pass over the mailbox: at most `limit` messages. */
export async function pollMailbox(deps: BounceDeps, settings: MailboxSettings, limit = 500): Promise<PollReport> {
  const log = deps.logger.child({ component: 'return-path' });
  const session = await openMailbox(settings);
  const report: PollReport = { processed: 0, unparsable: 0, deferred: 0 };
  try {
    const processed: number[] = [];
    const unparsable: number[] = [];
    for (const message of await session.messages(limit)) {
      let outcome: Awaited<ReturnType<typeof handleInboundMail>> | undefined;
      try {
        outcome = await handleInboundMail(deps, message.raw, [], 'imap');
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'MAIL_UNPARSABLE') {
          report.deferred++;
          log.warn({ err, uid: message.uid }, `mailbox: cannot record a message now: ${errorMessage(err)}`);
          continue;
        }
        unparsable.push(message.uid);
        log.warn({ err, uid: message.uid }, `mailbox: unparsable message moved aside: ${errorMessage(err)}`);
        continue;
      }
      processed.push(message.uid);
      log.info({ uid: message.uid, kind: outcome.kind, events: outcome.events.length }, 'mailbox: message read');
    }
    await session.move(processed, settings.processedFolder);
    await session.move(unparsable, settings.unparsableFolder);
    report.processed = processed.length;
    report.unparsable = unparsable.length;
  } finally {
    await session.close();
  }
  return report;
}

/** Polls every `everyMs` until stopped; a failed pass is logged and the next one tries again. */
export function startMailboxPoller(
  deps: BounceDeps,
  settings: MailboxSettings,
  everyMs = 60_000,
): { stop(): Promise<void>; pollNow(): Promise<PollReport | undefined> } {
  const log = deps.logger.child({ component: 'return-path' });
  let running: Promise<PollReport | undefined> | undefined;
  let stopped = false;
  const pass = (): Promise<PollReport | undefined> => {
    if (stopped) return Promise.resolve(undefined);
    running ??= pollMailbox(deps, settings)
      .catch((err) => {
        log.warn({ err }, `mailbox ${settings.host}/${settings.folder}: ${errorMessage(err)}`);
        return undefined;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void pass(), everyMs);
  timer.unref();
  void pass();
  return {
    pollNow: pass,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
