// The static site: index with history pages, item pages, tag pages and 404, rendered from NewsItem[].
import type { Config } from '../config/schema.ts';
import type { NewsItem } from '../content/types.ts';
import type { OutputFile } from '../output.ts';

/** Templates and static assets read once from the templates folder. */
export interface SiteTemplates {
  /** Template sources by name without extension, e.g. `index`, `item`, `layout`. */
  readonly templates: ReadonlyMap<string, string>;
  /** Static assets by path under public/, e.g. `static/style.css`. */
  readonly assets: ReadonlyMap<string, string | Uint8Array>;
}

/** Reads templates/*.eta and templates/static/* once. The only I/O of the site module. */
export async function loadSiteTemplates(dir: string): Promise<SiteTemplates> {
  void dir;
  throw new Error('not implemented yet');
}

/** Renders every page of the site. Pure: the same input gives byte-identical output. */
export function renderSite(items: NewsItem[], config: Config, templates: SiteTemplates): OutputFile[] {
  void items;
  void config;
  void templates;
  throw new Error('not implemented yet');
}
