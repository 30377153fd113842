// A file the build produces, before anything touches the disk.

export interface OutputFile {
  /** Path under public/, forward slashes, no leading slash, e.g. `tags/unodc/feed.xml`. */
  path: string;
  body: string | Uint8Array;
}

/**
 * A file the build can produce, not yet rendered: `deps` are the values its content is made from
 * (compared one by one with `===`), so an incremental build renders it again only when one of
 * them changed. `render` is pure.
 */
export interface OutputSpec {
  path: string;
  deps: readonly unknown[];
  render(): string | Uint8Array;
}

/** Renders each spec in turn. */
export function* renderSpecs(specs: Iterable<OutputSpec>): Generator<OutputFile> {
  for (const spec of specs) yield { path: spec.path, body: spec.render() };
}
