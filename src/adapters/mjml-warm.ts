// Run by scripts/compile.mjs once mjml's bundle is in place, with bin/gazette.js's Node options:
// writes the code cache the commands started that way load mjml with (see warmMjmlCache).
import { warmMjmlCache } from './mjml.ts';

if (!(await warmMjmlCache())) process.exitCode = 1;
