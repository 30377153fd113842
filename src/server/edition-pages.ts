// The web page of an edition that is going out before the next build has written it to public/: "view in your
// browser" works from the first message on. Only a miss under /archive/<edition>/ asks the port.
import type { EditionPagesPort } from './ports.ts';
import type { StaticFiles, StaticResponse } from './static-files.ts';

const EDITION_PAGE = /^\/archive\/([a-z0-9][a-z0-9-]{0,100})\/(?:index\.html)?$/;

/** `files`, with an edition's page from the port where public/ has none yet. */
export function withEditionPages(files: StaticFiles, port: EditionPagesPort | undefined): StaticFiles {
  if (!port) return files;
  return {
    ...files,
    async respond(request) {
      const result = await files.respond(request);
      if (result.status !== 404) return result;
      const slug = EDITION_PAGE.exec(request.rawPath)?.[1];
      if (slug === undefined) return result;
      const html = await port.editionPage(slug).catch(() => undefined);
      if (html === undefined) return result;
      const body = Buffer.from(html, 'utf8');
      const page: StaticResponse = {
        status: 200,
        headers: {
          'content-type': 'text/html; charset=utf-8',
          'content-length': String(body.length),
          // the build writes the same page to public/ soon; nothing keeps this copy
          'cache-control': 'no-cache',
          'x-content-type-options': 'nosniff',
        },
        body: request.head ? null : body,
      };
      return page;
    },
  };
}
