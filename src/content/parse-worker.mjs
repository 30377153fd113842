// Entry of a content parser thread run from the sources. They are TypeScript run through tsx
// with no build step, and a worker thread does not inherit the main thread's loader, so it loads
// them itself; the module starts serving once loaded (see parse-worker.ts).
import { tsImport } from 'tsx/esm/api';

await tsImport('./parse-worker.ts', import.meta.url);
