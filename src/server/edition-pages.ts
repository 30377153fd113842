// The web page of an edition that is going out before the next build has written it to public/: "view in your
// browser" works from the first message on. Only a miss at an edition's page (`archive/<edition>/`, under a
// language's folder, or a group's sub-folder of topics) asks the port.
import type { EditionPagesPort } from './ports.ts';
import type { StaticFiles, StaticResponse } from './static-files.ts';

const LANGUAGE = '(?:[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*\\/)?';
const TOPICS = '(?:[a-z0-9][a-z0-9+-]{0,300}\\/)?';
const EDITION_PAGE = new RegExp(`^\\/(${LANGUAGE}archive\\/[a-z0-9][a-z0-9-]{0,100}\\/${TOPICS})(?:index\\.html)?$`);

/** `files`, with an edition's page from the port where public/ has none yet. */
export function withEditionPages(files: StaticFiles, port: EditionPagesPort | undefined): StaticFiles {
  if (!port) return files;
  return {
    ...files,
    async respond(request) {
      const result = await files.respond(request);
      if (result.status !== 404) return result;
      const folder = EDITION_PAGE.exec(request.rawPath)?.[1];
      if (folder === undefined) return result;
      const html = await port.editionPage(`${folder}index.html`).catch(() => undefined);
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
