// Every CLI command gazette has, loaded lazily: a run of `gazette build` must not pay for the
// database drivers, mjml or the HTTP server. src/cli/main.ts registers them in this order.
import type { CommandSpec } from '../command.ts';

export interface CommandModule {
  /** The first word of each command the module defines (`digest` for `digest send`). */
  group: string;
  load(): Promise<CommandSpec[]>;
}

export const commandModules: CommandModule[] = [
  { group: 'start', load: async () => [(await import('./start.ts')).startCommand] },
  { group: 'build', load: async () => [(await import('./build.ts')).buildCommand] },
  { group: 'serve', load: async () => [(await import('./serve.ts')).serveCommand] },
  {
    group: 'digest',
    load: async () => [
      (await import('./digest-preview.ts')).digestPreviewCommand,
      ...(await import('./digest.ts')).digestCommands,
    ],
  },
  { group: 'subscribers', load: async () => (await import('./subscribers.ts')).subscribersCommands },
  { group: 'bounces', load: async () => (await import('./bounces.ts')).bouncesCommands },
  { group: 'import-feed', load: async () => [(await import('./import-feed.ts')).importFeedCommand] },
  { group: 'status', load: async () => [(await import('./status.ts')).statusCommand] },
  { group: 'backup', load: async () => [(await import('./backup.ts')).backupCommand] },
  { group: 'restore', load: async () => [(await import('./backup.ts')).restoreCommand] },
  { group: 'migrate-store', load: async () => [(await import('./migrate-store.ts')).migrateStoreCommand] },
];

/** The commands needed to run `argv`: only the named group's, or all of them for help and typos. */
export async function loadCommands(argv: readonly string[]): Promise<CommandSpec[]> {
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  const named = commandModules.filter((m) => m.group === first);
  const modules = named.length > 0 ? named : commandModules;
  return (await Promise.all(modules.map((m) => m.load()))).flat();
}
