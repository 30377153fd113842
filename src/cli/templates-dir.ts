// Where gazette's own site and digest templates live: the package's templates/ folder. A newsroom's templates_dir
// overrides them file by file (src/template-files.ts), so every command passes this folder and the config along.
export { templatesDir } from '../paths.ts';
