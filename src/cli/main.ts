// The `gazette` command line; the one module that imports commander.
import { Command, CommanderError } from 'commander';
import { resolveEnvironment } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { loadConfig, parseBaseUrl, withBaseUrl } from '../config/load.ts';
import { createLogger } from '../adapters/pino.ts';
import { ContentErrors, errorMessage } from '../errors.ts';
import type { CommandContext, CommandSpec } from './command.ts';
import { loadCommands } from './commands/index.ts';

/** The signals that abort a command's `ctx.signal`, each handled once: the same one again ends the process at once. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Output streams whose reader has gone, and those already watched for it. */
const gone = new WeakSet<NodeJS.WritableStream>();
const watched = new WeakSet<NodeJS.WritableStream>();

/**
 * Output piped into a reader that stops early (`gazette … | head -1`) fails with EPIPE, and a terminal that closed
 * with EIO: emitted as an 'error' event, either would end the process with a stack trace, a worker or a send in the
 * middle of its work. The reader has what it wanted, so the stream is marked gone, what is written to it later goes
 * nowhere, and the command carries on to its end. Any other error on the stream is left as it was.
 */
function watchForGoneReader(stream: NodeJS.WritableStream): void {
  if (watched.has(stream)) return;
  watched.add(stream);
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || (err.code === 'EIO' && (stream as NodeJS.WriteStream).isTTY)) gone.add(stream);
    // as if this listener were not there: fatal unless another one (a pipeline's) takes it
    else if (stream.listenerCount('error') === 1) throw err;
  });
}

/** Whether `err` is only a write to an output whose reader has gone (a command piping into it sees it too). */
function isGoneReader(err: unknown, streams: NodeJS.WritableStream[]): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const writeFailure = code === 'EPIPE' || code === 'EIO' || code?.startsWith('ERR_STREAM_') === true;
  return writeFailure && streams.some((s) => gone.has(s) || (s as { destroyed?: boolean }).destroyed === true);
}

function findOrCreateGroup(parent: Command, name: string): Command {
  const existing = parent.commands.find((c) => c.name() === name);
  if (existing) return existing;
  return parent.command(name).description(`${name} commands`).helpCommand(false);
}

/** Runs the CLI with `argv` (as process.argv); resolves to the exit status. */
export async function main(
  argv: string[],
  io: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream } = {},
): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  watchForGoneReader(stdout);
  watchForGoneReader(stderr);
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  // A hangup (the terminal or the SSH session closed, or a supervisor's "reload") stops a command the way SIGTERM
  // does: Node's default would kill the worker or a send with messages in flight and the scheduler lease held.
  for (const signal of STOP_SIGNALS) process.once(signal, onSignal);

  let exitCode = 0;
  const program = new Command('gazette')
    .description('Publish Markdown news items as RSS, Atom and JSON feeds, a static site and a weekly email digest.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s) })
    .showHelpAfterError(false)
    // also before the command: `gazette --config site.yaml digest send`
    .option('--config <file>', 'config file (default: gazette.yaml, or $GAZETTE_CONFIG)');

  const register = (spec: CommandSpec): void => {
    const parts = spec.name.split(' ');
    let parent = program;
    for (const group of parts.slice(0, -1)) parent = findOrCreateGroup(parent, group);
    const cmd = parent.command(parts.at(-1)!).description(spec.description).exitOverride();
    cmd.configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s) });
    for (const arg of spec.args ?? [])
      cmd.argument(arg.required === false ? `[${arg.name}]` : `<${arg.name}>`, arg.description);
    for (const opt of spec.options ?? [])
      cmd.option(opt.flags, opt.description, opt.default as string | boolean | undefined);
    cmd.option('--config <file>', 'config file (default: gazette.yaml, or $GAZETTE_CONFIG)');
    cmd.action(async (...received: unknown[]) => {
      const command = received.at(-1) as Command;
      // the command's own options, over the ones given before it (`--config`)
      const options = command.optsWithGlobals();
      const args = (received.slice(0, spec.args?.length ?? 0) as (string | undefined)[]).filter(
        (a): a is string => a !== undefined,
      );
      // A preview's URL (build, start) replaces site.url here, where the config is loaded, for every use of it.
      const baseUrl = typeof options.baseUrl === 'string' ? parseBaseUrl(options.baseUrl) : undefined;
      const env = resolveEnvironment(process.env, { config: options.config as string | undefined });
      let config: Promise<Config> | undefined;
      const ctx: CommandContext = {
        env,
        config: () =>
          (config ??= loadConfig(env.configFile).then((c) => (baseUrl === undefined ? c : withBaseUrl(c, baseUrl)))),
        logger: createLogger(),
        stdout,
        stderr,
        signal: abort.signal,
      };
      const code = await spec.run(ctx, args, options);
      exitCode = typeof code === 'number' ? code : 0;
    });
  };
  for (const spec of await loadCommands(argv)) register(spec);

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; usage errors were already printed by commander
      exitCode = err.exitCode;
    } else if (isGoneReader(err, [stdout, stderr])) {
      // `… | head`: the reader stopped reading, which is no failure of the command
    } else if (err instanceof ContentErrors) {
      stderr.write(`gazette: ${err.message}\n`);
      exitCode = 1;
    } else {
      stderr.write(`gazette: ${errorMessage(err).split('\n')[0]}\n`);
      if (process.env.GAZETTE_DEBUG) stderr.write(`${(err as Error)?.stack ?? ''}\n`);
      exitCode = 1;
    }
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }
  return exitCode;
}
