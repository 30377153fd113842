#!/usr/bin/env node
// Entry point for `npm run bench`: runs the benchmark scripts under bench/ (TypeScript, through tsx)
// and writes BENCHMARKS.md. `node bin/bench.js build` runs one of them; `--help` lists the options.
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('../bench/main.ts', import.meta.url);
process.exitCode = await main(process.argv.slice(2));
