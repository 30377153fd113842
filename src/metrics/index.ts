// Metrics: what the worker exposes at /metrics in Prometheus's text format; the database's figures are read at
// scrape time (cached a few seconds), the rest counted as it happens.
import { Counter, createRegistry, Gauge, Histogram, type Registry } from '../adapters/prom-client.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Mailer } from '../mail/index.ts';
import type { Store } from '../store/index.ts';
import { requestCounter } from './http.ts';
import { countingMailer } from './mailer.ts';
import { cachedRead, readLedgerSnapshot, type LedgerSnapshot } from './snapshot.ts';

export { createReadiness, type Readiness, type ReadinessOptions } from './readiness.ts';
export { metricsTokenProblem, MIN_METRICS_TOKEN_LENGTH } from './token.ts';
export { routeClass, ROUTE_CLASSES, type RouteClass } from './http.ts';
export { readLedgerSnapshot, type LedgerSnapshot } from './snapshot.ts';

export interface MetricsOptions {
  store: Store;
  logger: Logger;
  /** How long the database's figures are reused between scrapes (default 5 s). */
  cacheMs?: number;
  /** Node's process metrics (memory, CPU, event loop, GC); default on. */
  processMetrics?: boolean;
  now?: () => number;
}

export interface Metrics {
  registry: Registry;
  /** The exposition, in Prometheus's text format. */
  scrape(): Promise<{ contentType: string; body: string }>;
  /** Counts one answered HTTP request by its raw path (no query) and status. */
  request(path: string, status: number): void;
  /** `mailer`, with each message's outcome counted. */
  mailer(mailer: Mailer): Mailer;
  /** Counts a build's outcome: the site service's `onBuilt`. */
  built(outcome: { ok: true; durationMs: number } | { ok: false }): void;
}

/** Build durations, in seconds: a one-file update takes milliseconds, a large full build tens of seconds. */
const BUILD_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = createRegistry({ processMetrics: options.processMetrics ?? true });
  const now = options.now ?? Date.now;
  const log = options.logger;
  let databaseUp = 0;
  const read = cachedRead(() => readLedgerSnapshot(options.store), options.cacheMs ?? 5_000, now);
  const snapshot = async (): Promise<LedgerSnapshot | undefined> => {
    try {
      const value = await read();
      databaseUp = 1;
      return value;
    } catch (err) {
      if (databaseUp === 1) log.warn({ err }, `metrics: cannot read the database: ${errorMessage(err)}`);
      databaseUp = 0;
      return undefined;
    }
  };

  new Gauge({
    name: 'gazette_database_up',
    help: 'Whether the last read of the database for these metrics answered (1) or failed (0)',
    registers: [registry],
    async collect() {
      await snapshot();
      this.set(databaseUp);
    },
  });
  new Gauge({
    name: 'gazette_deliveries',
    help: 'Delivery rows of every edition, by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const s = await snapshot();
      this.reset();
      if (s) for (const [state, n] of Object.entries(s.deliveries)) this.labels(state).set(n);
    },
  });
  new Gauge({
    name: 'gazette_edition_deliveries',
    help: 'Delivery rows of the open editions and the latest one, by edition and state',
    labelNames: ['edition', 'state'],
    registers: [registry],
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const e of s?.editions ?? [])
        for (const [state, n] of Object.entries(e.deliveries)) this.labels(String(e.id), state).set(n);
    },
  });
  new Gauge({
    name: 'gazette_edition_recipients',
    help: 'Recipients of the open editions and the latest one',
    labelNames: ['edition', 'state'],
    registers: [registry],
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const e of s?.editions ?? []) this.labels(String(e.id), e.state).set(e.recipients);
    },
  });
  new Gauge({
    name: 'gazette_edition_progress_ratio',
    help: 'Messages sent over recipients, of the open editions and the latest one (0 to 1)',
    labelNames: ['edition'],
    registers: [registry],
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const e of s?.editions ?? [])
        this.labels(String(e.id)).set(e.recipients > 0 ? e.deliveries.sent / e.recipients : 0);
    },
  });
  new Gauge({
    name: 'gazette_subscribers',
    help: 'Subscribers by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const s = await snapshot();
      this.reset();
      if (s) for (const [state, n] of Object.entries(s.subscribers)) this.labels(state).set(n);
    },
  });
  new Gauge({
    name: 'gazette_mail_events',
    help: 'Bounces, complaints and unsubscribes by mail recorded so far, by type and class (hard, soft)',
    labelNames: ['type', 'class'],
    registers: [registry],
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const e of s?.mailEvents ?? []) this.labels(e.type, e.class).set(e.count);
    },
  });

  const messages = new Counter({
    name: 'gazette_messages_total',
    help:
      'Messages handed to the mail server by this process, by kind (digest, test, confirmation) and reply class ' +
      '(2xx, 4xx, 5xx, network; outbox for .eml files, local for refusals before any server)',
    labelNames: ['kind', 'reply_class'],
    registers: [registry],
  });

  const builds = new Counter({
    name: 'gazette_builds_total',
    help: 'Builds of the site run by this worker, by result (ok, failed)',
    labelNames: ['result'],
    registers: [registry],
  });
  const buildOk = builds.labels('ok');
  const buildFailed = builds.labels('failed');
  const buildDuration = new Histogram({
    name: 'gazette_build_duration_seconds',
    help: 'Duration of the builds that succeeded',
    buckets: BUILD_BUCKETS,
    registers: [registry],
  });
  const lastBuild = new Gauge({
    name: 'gazette_build_last_success_timestamp_seconds',
    help: 'When the last successful build finished (unix time); 0 before the first',
    registers: [registry],
  });
  const lastBuildOk = new Gauge({
    name: 'gazette_build_last_ok',
    help: 'Whether the last build attempt succeeded (1), or failed or has not run yet (0)',
    registers: [registry],
  });

  const requests = requestCounter(
    new Counter({
      name: 'gazette_http_requests_total',
      help:
        'HTTP requests answered, by route class (static, feed, subscribe, confirm, unsubscribe, admin, api, hooks, ' +
        'metrics, other) and status',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
  );

  return {
    registry,
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    request: requests,
    mailer: (mailer) => countingMailer(mailer, messages),
    built(outcome) {
      if (outcome.ok) {
        buildOk.inc();
        buildDuration.observe(outcome.durationMs / 1000);
        lastBuild.set(now() / 1000);
        lastBuildOk.set(1);
      } else {
        buildFailed.inc();
        lastBuildOk.set(0);
      }
    },
  };
}
