// Runs the W3C Feed Validator (tools/feedvalidator) over every feed document under public/, each checked at the URL
// it is published at (site.url from gazette.yaml), as the online validator checks a feed by its address: a file read
// from disk without that address always gets SelfDoesntMatchLocation. DuplicateUpdated alone is allowed (two items
// changed at the same instant). Exit 1 on any other warning or error.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config/load.ts';

const root = path.resolve(import.meta.dirname, '..');
const publicDir = path.resolve(process.argv[2] ?? path.join(root, 'public'));
const config = await loadConfig(path.resolve(process.env.GAZETTE_CONFIG ?? path.join(root, 'gazette.yaml')));
const validator = path.join(root, 'tools/feedvalidator/validate-feed');
// a language other than the default one has its whole set under its folder: ru/feed.xml, ru/feeds/rss-1.xml, …
const FEED = /(^|\/)(feed|atom)\.xml$|^([a-z]{2,3}(-[A-Za-z0-9]{2,8})*\/)?feeds\/(rss|atom)-\d+\.xml$/;

const files = (readdirSync(publicDir, { recursive: true }) as string[])
  .map((f) => f.split(path.sep).join('/'))
  .filter((f) => FEED.test(f))
  .sort();
let failed = 0;
for (const file of files) {
  const url = config.site.url + file.split('/').map(encodeURIComponent).join('/');
  const run = spawnSync(validator, [path.join(publicDir, file), '--strict', '--base', url], { encoding: 'utf8' });
  const problems = run.stdout.split('\n').filter((l) => /^(ERROR|WARNING)/.test(l) && !/DuplicateUpdated/.test(l));
  if (run.status === 2 || run.error) {
    console.error(`${file}: ${run.error?.message ?? run.stdout.trim()}`);
    failed++;
  } else if (problems.length > 0) {
    for (const line of problems) console.log(`${file}: ${line}`);
    failed++;
  } else console.log(`${file}: valid at ${url}`);
}
console.log(`${files.length} feed documents, ${failed} with problems`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
