#!/usr/bin/env node
// Entry point for `gazette` / `npx gazette`: runs the TypeScript sources directly through tsx,
// so the command works right after `npm install` with no build step.
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('../src/cli/main.ts', import.meta.url);
process.exitCode = await main(process.argv);
