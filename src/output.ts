// A file the build produces, before anything touches the disk.

export interface OutputFile {
  /** Path under public/, forward slashes, no leading slash, e.g. `tags/unodc/feed.xml`. */
  path: string;
  body: string | Uint8Array;
}
