// Keeps public/ up to date while the worker runs: builds at start, on content or template changes
// (debounced, one build at a time) and when a scheduled item's date arrives.
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { watchFolders, type FolderWatcher } from '../adapters/chokidar.ts';
import { fullBuild, hashesOnDisk, updateBuild, type BuildResult, type SiteState } from '../build/index.ts';
import type { Config } from '../config/schema.ts';
import { ContentErrors, errorMessage } from '../errors.ts';
import { isSubscriptionFeed } from '../feed/index.ts';
import type { Logger } from '../logger.ts';
import type { SentEdition } from '../newsletter/index.ts';
import { writeBuildState, type BuildState } from './build-state.ts';
import { calendarOf, type ContentCalendar } from './calendar.ts';

export interface SiteServiceOptions {
  config: Config;
  /** The config file as errors name it (default `gazette.yaml`). */
  configFile?: string;
  contentDir: string;
  templatesDir: string;
  outDir: string;
  buildsDir?: string;
  /** Where the last build's state is written for `gazette status`. */
  varDir: string;
  logger: Logger;
  now: () => Date;
  /** Quiet time after the last change before rebuilding (default 25 ms). */
  debounceMs?: number;
  /** Longest wait between rebuilds even when nothing is scheduled (default one hour). */
  maxIdleMs?: number;
  /** The digest editions sent so far, read afresh for each build (public/archive/); default none. */
  sentEditions?: () => Promise<readonly SentEdition[]>;
  /** Called as soon as a build changed public/ (a server in this process serves it from then on). */
  onPublished?: () => void;
  /**
   * Called after a build that changed or added subscription feeds (paths under public/, see isSubscriptionFeed); the
   * first build compares with what public/ served before it.
   */
  onFeedsChanged?: (paths: string[]) => void;
  /** Called with the outcome of every build it runs: its duration when it succeeded (changed or not). */
  onBuilt?: (outcome: { ok: true; durationMs: number } | { ok: false }) => void;
}

type Hashes = ReadonlyMap<string, { hash: string }>;

/** The subscription feeds of `after` whose content is not the same in `before`. */
function changedFeeds(before: Hashes, after: Hashes): string[] {
  const paths: string[] = [];
  for (const [p, { hash }] of after) if (isSubscriptionFeed(p) && before.get(p)?.hash !== hash) paths.push(p);
  return paths.sort();
}

export type BuildOutcome = { ok: true; result: BuildResult; calendar: ContentCalendar } | { ok: false; error: unknown };

export interface SiteService {
  /**
   * Builds once and starts watching. Resolves with the first build's outcome; a failed build does not stop the service.
   */
  start(): Promise<BuildOutcome>;
  /**
   * Asks for a build. A build already running is never doubled: requests during it are
   * coalesced into one more build after it. Resolves with the outcome of a build that began after the call.
   */
  rebuild(reason: string): Promise<BuildOutcome>;
  stop(): Promise<void>;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
// Stands for a live folder an update left half-done: equal to no build's id.
const UNKNOWN_CONTENT = 'unknown';

export function createSiteService(options: SiteServiceOptions): SiteService {
  const logger = options.logger;
  const debounceMs = options.debounceMs ?? 25;
  const maxIdleMs = Math.min(options.maxIdleMs ?? 3_600_000, MAX_TIMER_MS);
  let running: Promise<BuildOutcome> | undefined;
  let queued: { promise: Promise<BuildOutcome>; reasons: Set<string> } | undefined;
  let lastGood: BuildState['lastGood'];
  let watcher: FolderWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let publishTimer: NodeJS.Timeout | undefined;
  const changed = new Set<string>();
  let stopped = false;
  // What the next build starts from: the last build's state, the content files changed since it
  // (relative to the content folder) and whether anything else changed (templates), which needs
  // a full build. Without a state the next build is a full one.
  let state: SiteState | undefined;
  const changedContent = new Set<string>();
  let templatesChanged = false;
  // What the live folder holds once updated in place (its name says what it was first written with).
  let liveContent: string | undefined;
  // The file hashes of the last build, to tell which feeds the next one changed; undefined: compare with the disk.
  let lastManifest: Hashes | undefined;

  const armPublishTimer = (nextPublishAt: Date | undefined): void => {
    clearTimeout(publishTimer);
    if (stopped) return;
    const now = options.now().getTime();
    // A little after the instant, so the item is unambiguously "not after now".
    const wait = nextPublishAt ? Math.min(Math.max(0, nextPublishAt.getTime() - now) + 50, maxIdleMs) : maxIdleMs;
    publishTimer = setTimeout(() => {
      void rebuild(
        nextPublishAt && nextPublishAt.getTime() <= options.now().getTime() ? 'scheduled item due' : 'periodic',
      );
    }, wait);
  };

  const buildOnce = async (reasons: string[]): Promise<BuildOutcome> => {
    const now = options.now();
    let outcome: BuildOutcome;
    try {
      const sentEditions = (await options.sentEditions?.()) ?? [];
      const buildOptions = {
        sentEditions,
        config: options.config,
        ...(options.configFile !== undefined ? { configFile: options.configFile } : {}),
        contentDir: options.contentDir,
        outDir: options.outDir,
        templatesDir: options.templatesDir,
        now,
        ...(options.buildsDir ? { buildsDir: options.buildsDir } : {}),
      };
      const files = [...changedContent];
      changedContent.clear();
      const full = state === undefined || templatesChanged;
      templatesChanged = false;
      const served =
        options.onFeedsChanged && lastManifest === undefined
          ? await realpath(options.outDir).catch(() => undefined)
          : undefined;
      let built: { result: BuildResult; state: SiteState } | undefined;
      try {
        // Only what changed is read and rendered again; a full build when there is no state yet,
        // templates changed, a file other than Markdown changed or too much changed.
        built = full ? undefined : await updateBuild(state!, files, buildOptions);
        built ??= await fullBuild(liveContent !== undefined ? { ...buildOptions, liveContent } : buildOptions);
      } catch (error) {
        // Bad content leaves the state good (it holds the bad file, so it keeps failing until
        // fixed); anything else may have left it, and the live folder, half-updated.
        if (!(error instanceof ContentErrors) || full) {
          if (!full && !(error instanceof ContentErrors)) {
            liveContent = UNKNOWN_CONTENT;
            lastManifest = undefined;
          }
          state = undefined;
        }
        throw error;
      }
      state = built.state;
      liveContent = state.live.id;
      const result = built.result;
      if (!result.unchanged) options.onPublished?.();
      if (options.onFeedsChanged) {
        const after = state.live.manifest;
        const feeds = [...after.keys()].filter(isSubscriptionFeed);
        const before = lastManifest ?? (served === undefined ? new Map() : await hashesOnDisk(served, feeds));
        lastManifest = after;
        const paths = changedFeeds(before, after);
        if (paths.length > 0) options.onFeedsChanged(paths);
      }
      for (const warning of result.warnings ?? []) options.logger.warn({ warning }, `content: ${warning}`);
      const calendar = calendarOf(
        state.items.filter((item) => !item.draft),
        now,
      );
      outcome = { ok: true, result, calendar };
      const id = result.id;
      lastGood = { at: new Date().toISOString(), id, items: result.items };
      // the state file first, then the log line: whoever reads the log finds the state current
      await writeBuildState(options.varDir, {
        at: lastGood.at,
        ok: true,
        id,
        items: result.items,
        scheduled: calendar.scheduled,
        ...(calendar.nextPublishAt ? { nextPublishAt: calendar.nextPublishAt.toISOString() } : {}),
        durationMs: result.durationMs,
        lastGood,
      }).catch((err) => logger.warn({ err }, 'cannot write the build state'));
      logger.info(
        {
          reason: reasons.join(', '),
          build: id,
          items: result.items,
          scheduled: calendar.scheduled,
          ...(calendar.nextPublishAt ? { nextPublishAt: calendar.nextPublishAt.toISOString() } : {}),
          files: result.files,
          ...(result.updated ? { written: result.updated.written, removed: result.updated.removed } : {}),
          durationMs: result.durationMs,
        },
        result.unchanged ? 'site unchanged' : 'site built',
      );
      options.onBuilt?.({ ok: true, durationMs: result.durationMs });
      armPublishTimer(calendar.nextPublishAt);
    } catch (error) {
      outcome = { ok: false, error };
      const lines = error instanceof ContentErrors ? error.errors.map((e) => e.message) : [errorMessage(error)];
      if (error instanceof ContentErrors) {
        for (const e of error.errors)
          logger.error({ file: e.file, field: e.field, line: e.line, code: e.code }, e.message);
      } else {
        logger.error({ err: error }, `build failed: ${errorMessage(error)}`);
      }
      await writeBuildState(options.varDir, {
        at: new Date().toISOString(),
        ok: false,
        errors: lines,
        ...(lastGood ? { lastGood } : {}),
      }).catch((err) => logger.warn({ err }, 'cannot write the build state'));
      logger.warn(
        { reason: reasons.join(', '), errors: lines.length, ...(lastGood ? { serving: lastGood.id } : {}) },
        lastGood ? 'build failed: the last good build is still served' : 'build failed: nothing built yet',
      );
      options.onBuilt?.({ ok: false });
      // Keep the periodic rebuild going: a scheduled item may still be due once the content is fixed.
      armPublishTimer(undefined);
    }
    return outcome;
  };

  const startBuild = (reasons: string[]): Promise<BuildOutcome> => {
    const promise: Promise<BuildOutcome> = buildOnce(reasons).finally(() => {
      if (running === promise) running = undefined;
    });
    running = promise;
    return promise;
  };

  const rebuild = (reason: string): Promise<BuildOutcome> => {
    if (queued) {
      queued.reasons.add(reason);
      return queued.promise;
    }
    if (!running) return startBuild([reason]);
    const reasons = new Set([reason]);
    const promise = running.then(() => {
      queued = undefined;
      return startBuild([...reasons]);
    });
    queued = { promise, reasons };
    return promise;
  };

  return {
    async start() {
      const first = await rebuild('start');
      watcher = await watchFolders({
        // the newsroom's overrides are templates too: a change there rebuilds as one in templates/ does
        folders: [
          options.contentDir,
          options.templatesDir,
          ...(options.config.templatesDir ? [options.config.templatesDir] : []),
        ],
        onChange(file) {
          if (stopped) return;
          const inContent = path.relative(options.contentDir, file);
          if (inContent.startsWith('..')) {
            templatesChanged = true;
            changed.add(path.relative(options.templatesDir, file));
          } else {
            changedContent.add(inContent.split(path.sep).join('/'));
            changed.add(inContent);
          }
          clearTimeout(debounce);
          debounce = setTimeout(() => {
            const files = [...changed];
            changed.clear();
            logger.debug({ files }, 'content changed');
            void rebuild(
              `changed: ${files.slice(0, 3).join(', ')}${files.length > 3 ? ` and ${files.length - 3} more` : ''}`,
            );
          }, debounceMs);
        },
        onError(err) {
          logger.warn({ err }, 'watching the content folder failed');
        },
      });
      return first;
    },
    rebuild,
    async stop() {
      stopped = true;
      clearTimeout(debounce);
      clearTimeout(publishTimer);
      await watcher?.close();
      // Let a build in progress finish: its swap is atomic, but its state file should be written.
      await (queued?.promise ?? running)?.catch(() => undefined);
    },
  };
}
