// `gazette bounces list|suppressed`: what came back after sending (bounces, complaints, unsubscribes by mail)
// and what gazette did about it, and the addresses it will not mail again.
import { formatInZone } from '../../adapters/luxon.ts';
import { listMailEvents } from '../../bounces/index.ts';
import { UsageError } from '../../errors.ts';
import { openStore } from '../../store/index.ts';
import type { CommandSpec } from '../command.ts';

function positive(flag: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number above 0, got "${value}"`);
  return n;
}

const list: CommandSpec = {
  name: 'bounces list',
  description: 'Show bounces, complaints and unsubscribes by mail, newest first, with what was done about each',
  options: [
    { flags: '--email <address>', description: 'only events about this address' },
    { flags: '--edition <n>', description: 'only events about this edition' },
    { flags: '--limit <n>', description: 'at most this many (default 50)' },
    { flags: '--json', description: 'print them as JSON' },
  ],
  async run(ctx, _args, options) {
    const config = await ctx.config();
    const limit = positive('--limit', options.limit, 50);
    const editionId = options.edition === undefined ? undefined : positive('--edition', options.edition, 1);
    const store = await openStore({ databaseUrl: ctx.env.databaseUrl, varDir: ctx.env.varDir });
    try {
      const events = await listMailEvents(store, {
        limit,
        ...(typeof options.email === 'string' ? { email: options.email } : {}),
        ...(editionId !== undefined ? { editionId } : {}),
      });
      if (options.json) {
        ctx.stdout.write(`${JSON.stringify(events, null, 2)}\n`);
        return 0;
      }
      if (events.length === 0) ctx.stdout.write('no bounces, complaints or unsubscribes by mail\n');
      const zone = config.site.timezone;
      for (const e of events) {
        const what = e.type === 'bounce' ? `${e.class ?? ''} bounce` : e.type;
        ctx.stdout.write(
          `${formatInZone(e.at, zone, 'yyyy-LL-dd HH:mm')} ${what.padEnd(12)} ${(e.email ?? '(unknown)').padEnd(32)} ` +
            `${e.action.padEnd(12)} ${e.source}${e.editionId !== null ? ` edition ${e.editionId}` : ''}` +
            `${e.status ? ` ${e.status}` : ''}${e.diagnostic ? `: ${e.diagnostic.slice(0, 160)}` : ''}\n`,
        );
      }
      ctx.stdout.write(`(times in ${zone})\n`);
      return 0;
    } finally {
      await store.close();
    }
  },
};

const suppressed: CommandSpec = {
  name: 'bounces suppressed',
  description: 'Show the addresses gazette will not mail again (until a new double opt-in), with why and since when',
  options: [{ flags: '--json', description: 'print them as JSON' }],
  async run(ctx, _args, options) {
    const config = await ctx.config();
    const store = await openStore({ databaseUrl: ctx.env.databaseUrl, varDir: ctx.env.varDir });
    try {
      const rows = await store.db.selectFrom('suppressions').selectAll().orderBy('created_at', 'desc').execute();
      if (options.json) {
        const out = rows.map((r) => ({ email: r.email, reason: r.reason, since: new Date(Number(r.created_at)) }));
        ctx.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return 0;
      }
      if (rows.length === 0) ctx.stdout.write('no address is suppressed\n');
      for (const r of rows)
        ctx.stdout.write(
          `${r.email.padEnd(40)} ${r.reason.padEnd(14)} since ` +
            `${formatInZone(new Date(Number(r.created_at)), config.site.timezone, 'yyyy-LL-dd HH:mm')}\n`,
        );
      return 0;
    } finally {
      await store.close();
    }
  },
};

export const bouncesCommands: CommandSpec[] = [list, suppressed];
