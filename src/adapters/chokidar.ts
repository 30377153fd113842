// Adapter for chokidar: watches folders for changed, added and removed files, and single files for changes.
import path from 'node:path';
import { watch } from 'chokidar';

export interface FolderWatcher {
  close(): Promise<void>;
}

export interface WatchFoldersOptions {
  folders: readonly string[];
  /** Called with the changed path (file or folder) for every change after the initial scan. */
  onChange(file: string): void;
  onError(error: Error): void;
}

/** Watches `folders` recursively; resolves once the initial scan is done, so later changes are reported. */
export async function watchFolders(options: WatchFoldersOptions): Promise<FolderWatcher> {
  const watcher = watch([...options.folders], {
    ignoreInitial: true,
    // Editors save by writing a temporary file and renaming it over the original.
    atomic: true,
    // Dot-files and dot-folders are not content (editors' swap files, .git).
    ignored: (file: string) => path.basename(file).startsWith('.'),
  });
  watcher.on('all', (_event, file) => options.onChange(file));
  watcher.on('error', (err) => options.onError(err instanceof Error ? err : new Error(String(err))));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return { close: () => watcher.close() };
}

export interface WatchFileOptions {
  file: string;
  /** Called for every change after watching began: written or replaced (`changed`), or deleted (`removed`). */
  onChange(event: 'changed' | 'removed'): void;
  onError(error: Error): void;
}

/** Watches one file, whatever its name (a dot-file too); resolves once watching, so later changes are reported. */
export async function watchFile(options: WatchFileOptions): Promise<FolderWatcher> {
  const watcher = watch(options.file, { ignoreInitial: true, atomic: true });
  watcher.on('all', (event) => {
    if (event === 'change' || event === 'add') options.onChange('changed');
    else if (event === 'unlink') options.onChange('removed');
  });
  watcher.on('error', (err) => options.onError(err instanceof Error ? err : new Error(String(err))));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return { close: () => watcher.close() };
}
