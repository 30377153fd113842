// Where the digest and site templates live: the repository's templates/ folder.
export { templatesDir } from '../paths.ts';
