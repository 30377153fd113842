// The shape of gazette.yaml, validated when loaded; every key is documented in README.md.
import { z } from '../adapters/zod.ts';
import { isValidTimeZone } from '../adapters/luxon.ts';
import { cronProblem } from '../adapters/node-cron.ts';

const absoluteUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL');

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
      language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag like "en" or "ru-KZ"'),
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
  })
  .transform((c) => ({
    site: {
      ...c.site,
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
  }));

/** The validated configuration. `site.url` always ends with a slash. */
export type Config = z.output<typeof configSchema>;
export type SiteConfig = Config['site'];
export type DigestConfig = Config['digest'];
export type DkimConfig = NonNullable<DigestConfig['dkim']>;
