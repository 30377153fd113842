// The shape of gazette.yaml, validated when loaded; every key is documented in README.md.
import { z } from '../adapters/zod.ts';
import { isValidTimeZone } from '../adapters/luxon.ts';
import { cronProblem } from '../adapters/node-cron.ts';

const absoluteUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL');

const languageTag = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag like "en" or "ru-KZ"');

/** What a language of the site may say in its own words; each key left out is the default language's. */
const languageSettings = z.strictObject({
  title: z.string().min(1).optional(),
  description: z.string().min(1).optional(),
  /** The digest's subject and intro in this language. */
  subject: z.string().min(1).optional(),
  intro: z.string().optional(),
  postal_address: z.string().min(1).optional(),
});

/** A topic readers may choose: its name per language, and the item tags it stands for. */
const topic = z.strictObject({
  /** Stable: what subscribers' choices, the subscribe form and the CSV columns hold. */
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be lower-case letters, digits and dashes, like "central-asia"'),
  /** By language code; a language left out shows the default language's name. */
  name: z.record(z.string(), z.string().min(1)),
  tags: z.array(z.string().min(1)).min(1),
});

const mailbox = z.strictObject({
  name: z.string().min(1),
  address: z.string().email(),
});

export const configSchema = z
  .strictObject({
    site: z.strictObject({
      title: z.string().min(1),
      url: absoluteUrl,
      description: z.string().min(1),
      /** The one language of a single-language site; or the first of `languages`. */
      language: languageTag.optional(),
      /** The site's languages, the default first: each has its own feeds, pages and digests under /<lang>/. */
      languages: z.array(languageTag).min(1).max(50).optional(),
      timezone: z.string().refine(isValidTimeZone, 'must be an IANA time zone like "Asia/Almaty"'),
      /** Year the newsroom has held its domain since: the date part of tag: URIs used as feed ids. */
      established: z.number().int().min(1990).max(2100),
      author: z.strictObject({
        name: z.string().min(1),
        email: z.string().email().optional(),
        url: absoluteUrl.optional(),
      }),
      copyright: z.string().optional(),
      image: absoluteUrl.optional(),
    }),
    feeds: z
      .strictObject({
        limit: z.number().int().min(1).max(1000).default(20),
        archive_page_size: z.number().int().min(10).max(10000).default(100),
        /** A WebSub hub: every feed names it, and the worker tells it when a feed changed. */
        websub_hub: absoluteUrl.optional(),
      })
      .default({ limit: 20, archive_page_size: 100 }),
    digest: z.strictObject({
      // every command reads the schedule the worker runs: a typo is refused wherever it is met, naming the key
      schedule: z
        .string()
        .min(1)
        .superRefine((value, ctx) => {
          const problem = cronProblem(value);
          if (problem !== undefined)
            ctx.addIssue({ code: 'custom', message: `"${value}" is not a cron expression (${problem})` });
        })
        .default('0 9 * * 1'),
      max_lateness_hours: z.number().min(0).default(24),
      first_window_days: z.number().int().min(1).default(7),
      /** An item not mailed yet is carried by the next edition while it is younger than this. */
      max_item_age_days: z.number().int().min(1).max(3650).default(14),
      /** Send again, on recovery, the messages a dead sender had in flight (a reader may get two). */
      resend_uncertain: z.boolean().default(true),
      subject: z.string().min(1),
      intro: z.string().default(''),
      from: mailbox,
      reply_to: z.string().email().optional(),
      postal_address: z.string().min(1),
      /** Topics readers may choose on the subscribe form and the preference page; none: every reader gets all. */
      topics: z.array(topic).max(100).optional(),
      list_id: z.string().min(1).optional(),
      batch_size: z.number().int().min(1).max(10000).default(200),
      concurrency: z.number().int().min(1).max(100).default(4),
      rate_per_second: z.number().min(0).default(0),
      rate_per_hour: z.number().min(0).default(0),
      max_attempts: z.number().int().min(1).max(50).default(6),
      pause_after_failures: z.number().int().min(1).default(20),
      /** Mailbox of the List-Unsubscribe mailto: link; default reply_to, else from.address. */
      unsubscribe_mailbox: z.string().email().optional(),
      /**
       * The return path: each message's envelope sender becomes `local+TOKEN@domain` of this address, and the
       * List-Unsubscribe mailto: `local+u-TOKEN@domain`, both received by gazette itself.
       */
      bounce_address: z.string().email().optional(),
      /** DKIM signing key; when set every digest message is signed (List-Unsubscribe included). */
      dkim: z
        .strictObject({
          domain: z.string().min(1),
          selector: z.string().min(1),
          /** PEM file, relative to the folder gazette runs in. */
          private_key_file: z.string().min(1),
        })
        .optional(),
    }),
    bounces: z
      .strictObject({
        /** Editions in a row with a soft bounce after which a subscriber is `bounced`. */
        soft_bounce_editions: z.number().int().min(1).max(100).default(3),
        /** Days the raw bounce, complaint or webhook body is kept beside its event. */
        keep_raw_days: z.number().int().min(0).max(3650).default(30),
      })
      .default({ soft_bounce_editions: 3, keep_raw_days: 30 }),
    /**
     * The newsroom's own templates, relative to this file: each file there replaces gazette's template of the
     * same name; every other one comes from gazette's templates/.
     */
    templates_dir: z.string().min(1).optional(),
    /**
     * The newsroom's own message catalogs, relative to this file: `<lang>.yaml` there replaces gazette's
     * catalog of that language, or adds one.
     */
    locales_dir: z.string().min(1).optional(),
    /** Per-language settings, by language code: the site's title, description, digest subject and intro. */
    languages: z.record(z.string(), languageSettings).optional(),
  })
  .superRefine((c, ctx) => {
    const { language, languages } = c.site;
    if (language === undefined && languages === undefined)
      ctx.addIssue({ code: 'custom', path: ['site', 'language'], message: 'is required (or site.languages)' });
    if (language !== undefined && languages !== undefined && languages[0] !== language)
      ctx.addIssue({
        code: 'custom',
        path: ['site', 'language'],
        message: `is "${language}" but site.languages starts with "${languages[0]}": the first language is the default`,
      });
    const codes = languages ?? (language !== undefined ? [language] : []);
    codes.forEach((code, i) => {
      if (codes.indexOf(code) !== i)
        ctx.addIssue({ code: 'custom', path: ['site', 'languages', i], message: `lists "${code}" twice` });
    });
    for (const code of Object.keys(c.languages ?? {}))
      if (!codes.includes(code))
        ctx.addIssue({
          code: 'custom',
          path: ['languages', code],
          message: `is not one of site.languages (${codes.join(', ')})`,
        });
    const ids = new Set<string>();
    (c.digest.topics ?? []).forEach((t, i) => {
      if (ids.has(t.id))
        ctx.addIssue({ code: 'custom', path: ['digest', 'topics', i, 'id'], message: `"${t.id}" is used twice` });
      ids.add(t.id);
      for (const code of Object.keys(t.name))
        if (!codes.includes(code))
          ctx.addIssue({
            code: 'custom',
            path: ['digest', 'topics', i, 'name', code],
            message: `is not one of site.languages (${codes.join(', ')})`,
          });
      if (codes[0] !== undefined && t.name[codes[0]] === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['digest', 'topics', i, 'name'],
          message: `needs a name in the default language, "${codes[0]}"`,
        });
    });
  })
  .transform((c) => ({
    site: {
      ...c.site,
      /** The default language: the first of site.languages. */
      language: (c.site.languages?.[0] ?? c.site.language)!,
      url: c.site.url.endsWith('/') ? c.site.url : `${c.site.url}/`,
      /** Set by `--base-url` (a preview): gazette.yaml's site.url, which feed ids keep. */
      productionUrl: undefined as string | undefined,
    },
    feeds: {
      limit: c.feeds.limit,
      archivePageSize: c.feeds.archive_page_size,
      ...(c.feeds.websub_hub !== undefined ? { websubHub: c.feeds.websub_hub } : {}),
    },
    digest: {
      schedule: c.digest.schedule,
      maxLatenessHours: c.digest.max_lateness_hours,
      firstWindowDays: c.digest.first_window_days,
      maxItemAgeDays: c.digest.max_item_age_days,
      resendUncertain: c.digest.resend_uncertain,
      subject: c.digest.subject,
      intro: c.digest.intro,
      from: c.digest.from,
      replyTo: c.digest.reply_to,
      postalAddress: c.digest.postal_address,
      topics: (c.digest.topics ?? []).map((t) => ({ id: t.id, names: t.name, tags: t.tags })),
      listId: c.digest.list_id ?? `${new URL(c.site.url).hostname}`,
      batchSize: c.digest.batch_size,
      concurrency: c.digest.concurrency,
      ratePerSecond: c.digest.rate_per_second,
      ratePerHour: c.digest.rate_per_hour,
      maxAttempts: c.digest.max_attempts,
      pauseAfterFailures: c.digest.pause_after_failures,
      unsubscribeMailbox: c.digest.unsubscribe_mailbox ?? c.digest.reply_to ?? c.digest.from.address,
      bounceAddress: c.digest.bounce_address,
      dkim: c.digest.dkim && {
        domain: c.digest.dkim.domain,
        selector: c.digest.dkim.selector,
        privateKeyFile: c.digest.dkim.private_key_file,
      },
    },
    bounces: { softBounceEditions: c.bounces.soft_bounce_editions, keepRawDays: c.bounces.keep_raw_days },
    /** templates_dir as written; loadConfig makes it absolute and checks that it is a folder. */
    templatesDir: c.templates_dir,
    /** locales_dir as written; loadConfig makes it absolute. */
    localesDir: c.locales_dir,
    /** site.languages was given: every item's `lang` must be one of them, and each has its own /<lang>/ tree. */
    multilingual: c.site.languages !== undefined && c.site.languages.length > 1,
    /** Every language of the site, the default first, with its own words (the default's where it has none). */
    languages: (c.site.languages ?? [c.site.language!]).map((code, i) => {
      const own = c.languages?.[code] ?? {};
      const fallback = i === 0 ? {} : (c.languages?.[(c.site.languages ?? [c.site.language!])[0]!] ?? {});
      return {
        code,
        title: own.title ?? fallback.title ?? c.site.title,
        description: own.description ?? fallback.description ?? c.site.description,
        subject: own.subject ?? fallback.subject ?? c.digest.subject,
        intro: own.intro ?? fallback.intro ?? c.digest.intro,
        postalAddress: own.postal_address ?? fallback.postal_address ?? c.digest.postal_address,
      };
    }),
  }));

/** The validated configuration. `site.url` always ends with a slash. */
export type Config = z.output<typeof configSchema>;
export type SiteConfig = Config['site'];
export type DigestConfig = Config['digest'];
export type DkimConfig = NonNullable<DigestConfig['dkim']>;
/** One language of the site and its own words. */
export type LanguageConfig = Config['languages'][number];
/** A topic readers may choose. */
export type TopicConfig = DigestConfig['topics'][number];

/** The settings of `code`, or of the default language when the site has no such language. */
export function languageConfig(config: Pick<Config, 'languages'>, code: string | undefined): LanguageConfig {
  return config.languages.find((l) => l.code === code) ?? config.languages[0]!;
}
