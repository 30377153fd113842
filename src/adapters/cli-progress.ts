// Adapter for cli-progress: a one-line progress bar on a terminal; the one module that imports it.
import cliProgress from 'cli-progress';

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
  bar.start(Math.max(options.total, 0), 0, { status: '' });
  return {
    update: (done, status) => bar.update(done, { status }),
    stop: () => bar.stop(),
  };
}
