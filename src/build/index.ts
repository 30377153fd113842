// Build module: the use-case that turns the content folder into public/ (pure render + atomic write).
export { outputSpecs, type OutputOptions } from './render.ts';
export {
  writeOutputAtomically,
  defaultBuildsDir,
  hashesOnDisk,
  type WriteOutputOptions,
  type WriteResult,
} from './write.ts';
export { fullBuild, runBuild, updateBuild, type BuildOptions, type BuildResult, type SiteState } from './run.ts';
