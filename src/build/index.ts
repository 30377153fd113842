// Build module: the use-case that turns the content folder into public/ (pure render + atomic write).
export { outputFiles, renderOutput } from './render.ts';
export { writeOutputAtomically, defaultBuildsDir, type WriteOutputOptions, type WriteResult } from './write.ts';
export { runBuild, type BuildOptions, type BuildResult } from './run.ts';
