// What the benchmarks ran on: cores, memory, CPU model, OS, Node version, and the load around each run.
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  cores: number;
  memoryGiB: number;
  cpuModel: string;
  os: string;
  node: string;
}

function osName(): string {
  try {
    const release = readFileSync('/etc/os-release', 'utf8');
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release)?.[1];
    if (pretty) return `${pretty}, ${os.type()} ${os.release()}`;
  } catch {
    // not Linux, or no os-release: the kernel name is all there is
  }
  return `${os.type()} ${os.release()}`;
}

/** The machine as benchmarks report it. */
export function describeMachine(): Machine {
  return {
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    os: osName(),
    node: process.version,
  };
}

/** The 1-, 5- and 15-minute load averages, as `0.52 / 0.61 / 0.70`. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
}
