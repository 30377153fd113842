// Reads gazette.yaml (or --config / GAZETTE_CONFIG) and the environment into one validated value.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { check } from '../adapters/zod.ts';
import { parseYaml, YamlSyntaxError } from '../adapters/yaml.ts';
import { ConfigError } from '../errors.ts';
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
  port: number;
  /** INBOUND_SMTP_PORT: the worker's return-path listener; undefined: none. */
  inboundSmtpPort?: number | undefined;
  /** INBOUND_SMTP_HOST: the address it binds (default all). */
  inboundSmtpHost?: string | undefined;
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
  return {
    inboundSmtpPort: inbound,
    inboundSmtpHost: env.INBOUND_SMTP_HOST || undefined,
    root,
    configFile,
    contentDir: path.join(root, 'content'),
    publicDir: path.join(root, 'public'),
    varDir: path.join(root, 'var'),
    databaseUrl: env.DATABASE_URL || undefined,
    smtpUrl: env.SMTP_URL || undefined,
    secret: env.GAZETTE_SECRET || undefined,
    adminToken: env.ADMIN_TOKEN || undefined,
    port,
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
  return parseConfig(data, file);
}
