// Adapter for cli-progress: a one-line progress bar on a terminal; the one module that imports it.
import cliProgress from 'cli-progress';
import { holdStatusLine } from '../status-line.ts';

export interface ProgressBarOptions {
  /** Where the bar is drawn (a TTY). */
  stream: NodeJS.WritableStream;
  total: number;
  /** Text before the bar, e.g. `edition 12`. */
  label: string;
}

export interface ProgressBar {
  /** `done` of `total`, with a short status after the bar, e.g. `2 failed, 3 retrying`. */
  update(done: number, status: string): void;
  stop(): void;
}

export function createProgressBar(options: ProgressBarOptions): ProgressBar {
  const bar = new cliProgress.SingleBar(
    {
      stream: options.stream as NodeJS.WriteStream,
      format: `${options.label.replace(/[{}]/g, '')} [{bar}] {percentage}% {value}/{total} {status}`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  // The bar stays on the line it starts on, log lines going above it: restoring the cursor where the bar began
  // would put the next output over the log lines written meanwhile.
  const terminal = (bar as unknown as { terminal: { cursorSave(): void; cursorRestore(): void } }).terminal;
  terminal.cursorSave = () => undefined;
  terminal.cursorRestore = () => undefined;
  bar.start(Math.max(options.total, 0), 0, { status: '' });
  // log lines go above the bar (see status-line.ts): the bar's line is cleared, the line written, the bar drawn again
  const drawn = bar as unknown as {
    render(force: boolean): void;
    terminal: { clearLine(): void; cursorTo(x: number): void };
  };
  const release = holdStatusLine({
    clear: () => {
      drawn.terminal.cursorTo(0);
      drawn.terminal.clearLine();
    },
    redraw: () => drawn.render(true),
  });
  return {
    update: (done, status) => bar.update(done, { status }),
    stop: () => {
      release();
      bar.stop();
    },
  };
}
