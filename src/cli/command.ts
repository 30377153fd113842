// What a CLI command is: a declarative spec that src/cli/main.ts turns into a commander command.
import type { Config } from '../config/schema.ts';
import type { Environment } from '../config/load.ts';
import type { Logger } from '../logger.ts';

export interface CommandContext {
  env: Environment;
  /** Loads and validates the config file on first call; later calls return the same value. */
  config(): Promise<Config>;
  logger: Logger;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Aborted when SIGINT, SIGTERM or SIGHUP arrives (long-running commands watch it). */
  signal: AbortSignal;
}

export interface OptionSpec {
  /** commander flags, e.g. `--out <dir>` or `--dry-run`. */
  flags: string;
  description: string;
  default?: string | boolean;
}

export interface ArgumentSpec {
  name: string;
  description: string;
  required?: boolean;
}

export interface CommandSpec {
  /** Space-separated path, e.g. `build` or `digest send`. */
  name: string;
  description: string;
  args?: ArgumentSpec[];
  options?: OptionSpec[];
  /** Returns the exit status (default 0). Throwing prints a one-line reason and exits 1. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a command that always succeeds just returns
  run(ctx: CommandContext, args: string[], options: Record<string, unknown>): Promise<number | void>;
}
