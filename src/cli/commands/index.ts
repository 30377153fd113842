// Every CLI command gazette has; src/cli/main.ts registers them in this order.
import type { CommandSpec } from '../command.ts';
import { buildCommand } from './build.ts';
import { importFeedCommand } from './import-feed.ts';
import { digestPreviewCommand } from './digest-preview.ts';
import { digestCommands } from './digest.ts';
import { subscribersCommands } from './subscribers.ts';
import { serveCommand } from './serve.ts';
import { startCommand } from './start.ts';
import { statusCommand } from './status.ts';
export const commands: CommandSpec[] = [buildCommand, importFeedCommand, digestPreviewCommand, ...digestCommands, ...subscribersCommands, serveCommand, startCommand, statusCommand];
