// Reads gazette.yaml (or --config / GAZETTE_CONFIG) and the environment into one validated value.
import { checkSmtpUrl } from './smtp-url.ts';
import { createPublicKey } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { check } from '../adapters/zod.ts';
import { parseYaml, YamlSyntaxError } from '../adapters/yaml.ts';
import { ConfigError, UsageError } from '../errors.ts';
import { configSchema, type Config } from './schema.ts';

export interface Environment {
  /** Folder that holds gazette.yaml by default, var/, content/ and public/. */
  root: string;
  configFile: string;
  contentDir: string;
  publicDir: string;
  varDir: string;
  databaseUrl: string | undefined;
  smtpUrl: string | undefined;
  secret: string | undefined;
  adminToken: string | undefined;
  /** METRICS_TOKEN: the bearer token /metrics asks for; unset, /metrics does not exist. */
  metricsToken?: string | undefined;
  port: number;
  /** INBOUND_SMTP_PORT: the worker's return-path listener; undefined: none. */
  inboundSmtpPort?: number | undefined;
  /** INBOUND_SMTP_HOST: the address it binds (default all). */
  inboundSmtpHost?: string | undefined;
  /** IMAP_URL: a mailbox the worker reads bounces, complaints and mailto: unsubscribes from. */
  imapUrl?: string | undefined;
  /** IMAP_POLL_SECONDS: how often (default 60). */
  imapPollSeconds?: number | undefined;
  /** The provider webhooks' secrets; a provider left out has no hook. */
  webhooks?: WebhookSettings | undefined;
}

/** What each provider webhook is checked with, from the environment. */
export interface WebhookSettings {
  /** SES_SNS_TOPIC_ARNS: the SNS topics whose SES notifications are taken. */
  ses?: { topicArns: string[] };
  /** SENDGRID_WEBHOOK_PUBLIC_KEY: the Signed Event Webhook's verification key. */
  sendgrid?: { publicKey: string };
  /** MAILGUN_WEBHOOK_SIGNING_KEY. */
  mailgun?: { signingKey: string };
  /** POSTMARK_WEBHOOK_AUTH: `user:password` of the basic auth in the webhook's URL. */
  postmark?: { auth: string };
}

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

function environmentError(key: string, message: string): ConfigError {
  return new ConfigError(`${key} ${message}`, { file: 'environment', key });
}

/** The webhook settings; a malformed one is an error naming the variable (never a secret's value). */
function webhookSettings(env: NodeJS.ProcessEnv): WebhookSettings | undefined {
  const settings: WebhookSettings = {};
  const topics = (env.SES_SNS_TOPIC_ARNS ?? '').split(/[\s,]+/).filter((t) => t !== '');
  const badTopic = topics.find((t) => !TOPIC_ARN.test(t));
  if (badTopic !== undefined)
    throw environmentError(
      'SES_SNS_TOPIC_ARNS',
      `must list SNS topic ARNs (arn:aws:sns:REGION:ACCOUNT:TOPIC), got "${badTopic}"`,
    );
  if (topics.length > 0) settings.ses = { topicArns: topics };
  const sendgrid = env.SENDGRID_WEBHOOK_PUBLIC_KEY?.trim();
  if (sendgrid) {
    let curve: string | undefined;
    try {
      const key = sendgrid.includes('-----BEGIN')
        ? createPublicKey(sendgrid)
        : createPublicKey({ key: Buffer.from(sendgrid.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
      curve = key.asymmetricKeyDetails?.namedCurve;
    } catch {
      curve = undefined;
    }
    if (curve !== 'prime256v1')
      throw environmentError('SENDGRID_WEBHOOK_PUBLIC_KEY', 'must be the ECDSA P-256 key SendGrid shows (base64)');
    settings.sendgrid = { publicKey: sendgrid };
  }
  if (env.MAILGUN_WEBHOOK_SIGNING_KEY) settings.mailgun = { signingKey: env.MAILGUN_WEBHOOK_SIGNING_KEY };
  const postmark = env.POSTMARK_WEBHOOK_AUTH;
  if (postmark) {
    if (postmark.indexOf(':') < 1 || postmark.endsWith(':'))
      throw environmentError('POSTMARK_WEBHOOK_AUTH', 'must be user:password');
    settings.postmark = { auth: postmark };
  }
  return Object.keys(settings).length > 0 ? settings : undefined;
}

/** Resolves paths and settings from the process environment; nothing is read from disk here. */
export function resolveEnvironment(
  env: NodeJS.ProcessEnv,
  options: { root?: string; config?: string | undefined } = {},
): Environment {
  const root = path.resolve(options.root ?? process.cwd());
  const configFile = path.resolve(root, options.config || env.GAZETTE_CONFIG || 'gazette.yaml');
  const port = env.PORT === undefined || env.PORT === '' ? 8080 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT must be a port number, got "${env.PORT}"`, { file: 'environment', key: 'PORT' });
  }
  const inbound =
    env.INBOUND_SMTP_PORT === undefined || env.INBOUND_SMTP_PORT === '' ? undefined : Number(env.INBOUND_SMTP_PORT);
  if (inbound !== undefined && (!Number.isInteger(inbound) || inbound < 0 || inbound > 65535)) {
    throw new ConfigError(`INBOUND_SMTP_PORT must be a port number, got "${env.INBOUND_SMTP_PORT}"`, {
      file: 'environment',
      key: 'INBOUND_SMTP_PORT',
    });
  }
  const poll = env.IMAP_POLL_SECONDS === undefined || env.IMAP_POLL_SECONDS === '' ? 60 : Number(env.IMAP_POLL_SECONDS);
  if (!Number.isFinite(poll) || poll < 1 || poll > 86_400) {
    throw new ConfigError(`IMAP_POLL_SECONDS must be a number of seconds from 1, got "${env.IMAP_POLL_SECONDS}"`, {
      file: 'environment',
      key: 'IMAP_POLL_SECONDS',
    });
  }
  const webhooks = webhookSettings(env);
  return {
    imapUrl: env.IMAP_URL || undefined,
    imapPollSeconds: poll,
    inboundSmtpPort: inbound,
    inboundSmtpHost: env.INBOUND_SMTP_HOST || undefined,
    root,
    configFile,
    contentDir: path.join(root, 'content'),
    publicDir: path.join(root, 'public'),
    varDir: path.join(root, 'var'),
    databaseUrl: env.DATABASE_URL || undefined,
    smtpUrl: env.SMTP_URL ? checkSmtpUrl(env.SMTP_URL) : undefined,
    secret: env.GAZETTE_SECRET || undefined,
    adminToken: env.ADMIN_TOKEN || undefined,
    metricsToken: env.METRICS_TOKEN || undefined,
    port,
    ...(webhooks ? { webhooks } : {}),
  };
}

/** Validates already-parsed YAML; `file` names the source in errors. */
export function parseConfig(data: unknown, file: string): Config {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(`${file}: must be a YAML mapping with site, feeds and digest sections`, { file });
  }
  const result = check(configSchema, data);
  if (!result.ok) {
    const first = result.issues[0]!;
    const lines = result.issues.map((i) => `${i.path || '(root)'}: ${i.message}`);
    throw new ConfigError(`${file}: ${lines.join('; ')}`, { file, key: first.path });
  }
  return result.value;
}

export async function loadConfig(file: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`, {
      file,
      cause: err,
    });
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    const line = err instanceof YamlSyntaxError && err.line !== undefined ? `:${err.line}` : '';
    throw new ConfigError(`${file}${line}: invalid YAML: ${(err as Error).message}`, { file, cause: err });
  }
  let config = parseConfig(data, file);
  // relative to the config file, as a newsroom keeps its templates and catalogs beside its gazette.yaml
  for (const [field, key] of [
    ['templatesDir', 'templates_dir'],
    ['localesDir', 'locales_dir'],
  ] as const) {
    const given = config[field];
    if (given === undefined) continue;
    const dir = path.resolve(path.dirname(file), given);
    const found = await stat(dir).catch(() => undefined);
    if (!found?.isDirectory()) {
      throw new ConfigError(`${file}: ${key}: ${given} is not a folder (looked for ${dir})`, { file, key });
    }
    config = { ...config, [field]: dir };
  }
  return config;
}

/** `--base-url`: an http(s) URL, ending with a slash. */
export function parseBaseUrl(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || !/^https?:$/.test(url.protocol) || url.search !== '' || url.hash !== '')
    throw new UsageError(`--base-url must be an http(s) URL such as http://127.0.0.1:8080/, got "${text}"`);
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

/**
 * The config of a preview: `baseUrl` (`--base-url`, see parseBaseUrl) stands for site.url everywhere (pages, feeds,
 * mail); the real site.url is kept as `productionUrl`, for the feed ids, which do not change.
 */
export function withBaseUrl(config: Config, baseUrl: string): Config {
  const productionUrl = config.site.productionUrl ?? config.site.url;
  return { ...config, site: { ...config.site, url: baseUrl, productionUrl } };
}

/** The line a preview build or worker says it is one with; undefined when it is not one. */
export function previewNotice(config: Config): string | undefined {
  const production = config.site.productionUrl;
  if (production === undefined) return undefined;
  return `preview build for ${config.site.url}: links point there, not to ${production}`;
}
