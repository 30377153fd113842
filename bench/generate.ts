// Synthetic news items for the build benchmarks, written three ways from one list: as gazette
// content, as a minimal Hugo site (RSS of all items) and as a minimal Eleventy site (an Atom feed
// of all items with @11ty/eleventy-plugin-rss). Deterministic: the same N gives the same files.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface SyntheticItem {
  slug: string;
  title: string;
  /** ISO 8601 with the site's offset, e.g. `2019-03-04T10:20:00+05:00`. */
  date: string;
  year: string;
  tags: string[];
  /** Markdown, about 1.5 KB. */
  body: string;
}

/** About 50 tags, a third of them Cyrillic, as a Central Asian newsroom would use. */
export const TAGS = [
  'kazakhstan',
  'kyrgyzstan',
  'tajikistan',
  'turkmenistan',
  'uzbekistan',
  'afghanistan',
  'russia',
  'azerbaijan',
  'unodc',
  'interpol',
  'europol',
  'osce',
  'bomca',
  'cadap',
  'training',
  'border',
  'customs',
  'heroin',
  'opium',
  'cannabis',
  'methamphetamine',
  'precursors',
  'synthetic drugs',
  'money laundering',
  'controlled delivery',
  'analytics',
  'conference',
  'cooperation',
  'seizure',
  'investigation',
  'police',
  'prevention',
  'funding',
  'research',
  'наркотики',
  'таможня',
  'граница',
  'контрабанда',
  'героин',
  'обучение',
  'сотрудничество',
  'Казахстан',
  'Кыргызстан',
  'Таджикистан',
  'Узбекистан',
  'прекурсоры',
  'расследование',
  'конференция',
  'профилактика',
  'Алматы',
];

const SUBJECTS = [
  'CARICC',
  'The Centre',
  'The Ministry of Internal Affairs',
  'The Border Service',
  'The Customs Committee',
  'UNODC',
  'The Drug Control Agency',
  'The liaison officers',
  'Analysts of the Centre',
  'The working group',
  'Центр',
  'Пограничная служба',
  'Таможенный комитет',
];
const VERBS = [
  'held',
  'organised',
  'completed',
  'opened',
  'reviewed',
  'discussed',
  'coordinated',
  'supported',
  'presented',
  'signed',
  'провёл',
  'обсудил',
  'организовал',
];
const OBJECTS = [
  'a training course on analytical software',
  'a joint operation against heroin trafficking',
  'a meeting of national focal points',
  'the annual report on precursor control',
  'a controlled delivery across three borders',
  'a memorandum of understanding',
  'a seminar on money laundering typologies',
  'a regional threat assessment',
  'совместную операцию',
  'семинар по анализу данных',
  'встречу руководителей',
];
const PLACES = [
  'in Almaty',
  'in Tashkent',
  'in Dushanbe',
  'in Bishkek',
  'in Ashgabat',
  'in Baku',
  'in Moscow',
  'in Vienna',
  'in Osh',
  'at the Centre',
  'в Алматы',
  'в Ташкенте',
  'в Бишкеке',
];
const TAILS = [
  'with partners from eleven countries',
  'under the regional programme',
  'as agreed at the last Council meeting',
  'with support from the European Union',
  'over three days',
  'for officers of the drug control services',
  'при поддержке партнёров',
  'в рамках региональной программы',
];
const LINKS = [
  'https://www.unodc.org/centralasia/',
  'https://www.interpol.int/Crimes/Drug-trafficking',
  'https://www.osce.org/secretariat/borders',
  'https://caricc.org/en/documents/',
  'https://www.emcdda.europa.eu/',
  'https://cadap-eu.org/',
];
const HEADINGS = ['Background', 'Results', 'Next steps', 'Итоги', 'Participants'];

/** mulberry32: small, fast and seedable, so every run generates the same items. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `n` items, oldest first, dated every few hours from 2008 on (all in the past). */
export function syntheticItems(n: number, seed = 7): SyntheticItem[] {
  const rnd = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const start = Date.UTC(2008, 0, 1, 4, 0, 0);
  // Spread over about 16 years whatever N is, so 50,000 items still end before 2025.
  const step = Math.floor((16 * 365 * 24 * 3600 * 1000) / Math.max(n, 1));
  const items: SyntheticItem[] = [];
  for (let i = 0; i < n; i++) {
    const t = new Date(start + i * step + Math.floor(rnd() * Math.min(step, 3600_000)));
    // Dates are written in the site's zone (UTC+05:00, Asia/Almaty).
    const local = new Date(t.getTime() + 5 * 3600_000);
    const date = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:00+05:00`;
    const subject = pick(SUBJECTS);
    const object = pick(OBJECTS);
    const title = `${subject} ${pick(VERBS)} ${object} ${pick(PLACES)} (${i + 1})`;
    const slug = `item-${pad(i + 1, 6)}`;
    const tagCount = 1 + Math.floor(rnd() * 4);
    const tags = new Set<string>();
    while (tags.size < tagCount) tags.add(pick(TAGS));
    const paragraphs: string[] = [];
    let length = 0;
    let p = 0;
    while (length < 1350) {
      let text: string;
      if (p === 2 && rnd() < 0.5) {
        text = `## ${pick(HEADINGS)}`;
      } else if (p === 4 && rnd() < 0.4) {
        text = [1, 2, 3].map(() => `- ${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)}`).join('\n');
      } else {
        const sentences: string[] = [];
        const count = 2 + Math.floor(rnd() * 3);
        for (let s = 0; s < count; s++) {
          let sentence = `${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)} ${pick(PLACES)} ${pick(TAILS)}.`;
          const roll = rnd();
          if (roll < 0.25) sentence = sentence.replace(/ (\S+ \S+)\.$/, ` [$1](${pick(LINKS)}).`);
          else if (roll < 0.35) sentence = sentence.replace(/^(\S+ \S+)/, '**$1**');
          else if (roll < 0.42)
            sentence = `${sentence} See [item ${Math.max(1, i)}](https://caricc.org/items/item-${pad(Math.max(1, i), 6)}/) for the earlier report.`;
          sentences.push(sentence);
        }
        text = sentences.join(' ');
      }
      paragraphs.push(text);
      length += Buffer.byteLength(text) + 2;
      p++;
    }
    items.push({ slug, title, date, year: date.slice(0, 4), tags: [...tags], body: `${paragraphs.join('\n\n')}\n` });
  }
  return items;
}

const yamlString = (s: string): string => JSON.stringify(s);
const yamlList = (list: readonly string[]): string => `[${list.map(yamlString).join(', ')}]`;

function frontMatter(item: SyntheticItem): string {
  return `---\ntitle: ${yamlString(item.title)}\ndate: ${yamlString(item.date)}\ntags: ${yamlList(item.tags)}\n---\n\n${item.body}`;
}

/** gazette's content folder: content/<year>/<slug>.md. */
export function writeGazetteContent(items: readonly SyntheticItem[], dir: string): void {
  for (const year of new Set(items.map((i) => i.year))) mkdirSync(path.join(dir, year), { recursive: true });
  for (const item of items) writeFileSync(path.join(dir, item.year, `${item.slug}.md`), frontMatter(item));
}

// Hugo's own RSS template (0.111) for the home page with the full content instead of the summary
// (gazette's feeds carry full content) and the tags as categories; nothing else is rendered.
const HUGO_RSS = `{{- $pages := .Site.RegularPages -}}
{{- $limit := .Site.Config.Services.RSS.Limit -}}
{{- if ge $limit 1 -}}{{- $pages = $pages | first $limit -}}{{- end -}}
{{- printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\" standalone=\\"yes\\"?>" | safeHTML }}
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{{ .Site.Title }}</title>
    <link>{{ .Permalink }}</link>
    <description>Recent content on {{ .Site.Title }}</description>
    <generator>Hugo -- gohugo.io</generator>
    <language>{{ site.LanguageCode }}</language>{{ if not .Date.IsZero }}
    <lastBuildDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</lastBuildDate>{{ end }}
    {{- with .OutputFormats.Get "RSS" }}
    {{ printf "<atom:link href=%q rel=\\"self\\" type=%q />" .Permalink .MediaType | safeHTML }}
    {{- end }}
    {{- range $pages }}
    <item>
      <title>{{ .Title }}</title>
      <link>{{ .Permalink }}</link>
      <pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</pubDate>
      <guid>{{ .Permalink }}</guid>
      {{- range .Params.tags }}
      <category>{{ . }}</category>
      {{- end }}
      <description>{{ .Content | html }}</description>
    </item>
    {{- end }}
  </channel>
</rss>
`;

const HUGO_CONFIG = `baseURL = "https://caricc.org/"
title = "CARICC News"
languageCode = "en"
# RSS of all items and nothing else: no taxonomies, sections, sitemap, robots.txt or 404 page.
disableKinds = ["taxonomy", "term", "section", "sitemap", "robotsTXT", "404"]
rssLimit = -1
enableRobotsTXT = false

[outputs]
home = ["RSS"]

# Item pages are not written; they keep their permalinks for the feed.
[[cascade]]
[cascade._target]
kind = "page"
[cascade._build]
render = "link"
list = "always"
`;

/** A minimal Hugo site: config.toml, the RSS template, content/items/<slug>.md. */
export function writeHugoSite(items: readonly SyntheticItem[], dir: string): void {
  mkdirSync(path.join(dir, 'content', 'items'), { recursive: true });
  mkdirSync(path.join(dir, 'layouts', '_default'), { recursive: true });
  writeFileSync(path.join(dir, 'config.toml'), HUGO_CONFIG);
  writeFileSync(path.join(dir, 'layouts', '_default', 'rss.xml'), HUGO_RSS);
  for (const item of items) writeFileSync(path.join(dir, 'content', 'items', `${item.slug}.md`), frontMatter(item));
}

/**
 * A minimal Eleventy site: an Atom feed of every item through the RSS plugin's feedPlugin.
 * Eleventy also writes each item's HTML (no layout): the feed's links are those pages' URLs.
 * `pluginDir` is where @11ty/eleventy-plugin-rss is installed.
 */
export function writeEleventySite(items: readonly SyntheticItem[], dir: string, pluginDir: string): void {
  mkdirSync(path.join(dir, 'posts'), { recursive: true });
  const plugin = pathToFileURL(path.join(pluginDir, '.eleventy.js')).href;
  writeFileSync(
    path.join(dir, 'eleventy.config.mjs'),
    `import { feedPlugin } from ${JSON.stringify(plugin)};

export default function (eleventyConfig) {
  eleventyConfig.addCollection("posts", (api) => api.getFilteredByGlob("posts/**/*.md"));
  eleventyConfig.addPlugin(feedPlugin, {
    type: "atom",
    outputPath: "/feed.xml",
    collection: { name: "posts", limit: 0 },
    metadata: {
      language: "en",
      title: "CARICC News",
      subtitle: "News of the Central Asian Regional Information and Coordination Centre.",
      base: "https://caricc.org/",
      author: { name: "CARICC Press Office", email: "press@caricc.org" },
    },
  });
  // Markdown as Markdown: no Liquid pass over the items first (neither gazette nor Hugo does one).
  return { dir: { input: ".", output: "_site" }, markdownTemplateEngine: false };
}
`,
  );
  for (const year of new Set(items.map((i) => i.year))) mkdirSync(path.join(dir, 'posts', year), { recursive: true });
  for (const item of items) writeFileSync(path.join(dir, 'posts', item.year, `${item.slug}.md`), frontMatter(item));
}

export interface GeneratedSites {
  gazette: string;
  hugo: string;
  eleventy: string;
  /** Bytes of Markdown (front matter included) per copy. */
  bytes: number;
}

// Bumped whenever the generator's output changes, so stale copies are rewritten.
const GENERATOR_VERSION = '3';

/** The three copies of N items under `workDir/items-N/`, generated once and reused while current. */
export function ensureSites(workDir: string, n: number, pluginDir: string): GeneratedSites {
  const base = path.join(workDir, `items-${n}`);
  const stamp = path.join(base, 'generated.json');
  const sites = {
    gazette: path.join(base, 'gazette-content'),
    hugo: path.join(base, 'hugo'),
    eleventy: path.join(base, 'eleventy'),
  };
  if (existsSync(stamp)) {
    const meta = JSON.parse(readFileSync(stamp, 'utf8')) as { version: string; bytes: number; pluginDir: string };
    if (meta.version === GENERATOR_VERSION && meta.pluginDir === pluginDir) return { ...sites, bytes: meta.bytes };
  }
  rmSync(base, { recursive: true, force: true });
  const items = syntheticItems(n);
  writeGazetteContent(items, sites.gazette);
  writeHugoSite(items, sites.hugo);
  writeEleventySite(items, sites.eleventy, pluginDir);
  const bytes = items.reduce((sum, item) => sum + Buffer.byteLength(frontMatter(item)), 0);
  writeFileSync(stamp, `${JSON.stringify({ version: GENERATOR_VERSION, n, bytes, pluginDir })}\n`);
  return { ...sites, bytes };
}
