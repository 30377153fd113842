// robots.txt: crawl everything but the operators' dashboard, and find the sitemaps here.

/** The dashboard's path on the server (src/server serves it at /admin, whatever site.url's path). */
const ADMIN_PATH = '/admin';

/** robots.txt naming `sitemaps` (absolute URLs) for every crawler (RFC 9309). */
export function renderRobots(sitemaps: readonly string[]): string {
  return ['User-agent: *', `Disallow: ${ADMIN_PATH}`, '', ...sitemaps.map((url) => `Sitemap: ${url}`), ''].join('\n');
}
