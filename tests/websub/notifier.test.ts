// The publish ping against a real HTTP hub: tried again with backoff while the hub is busy, given up on a refusal,
// and a hub that is down is logged, never thrown.
import { afterEach, describe, expect, it } from 'vitest';
import { createHubNotifier } from '../../src/websub/index.ts';
import { captureLog } from '../helpers/log-capture.ts';
import { startTestHub, type TestHub } from '../helpers/websub-hub.ts';

const TOPIC = 'https://caricc.org/feed.xml';
const fast = { baseDelayMs: 50, maxDelayMs: 1_000, timeoutMs: 2_000 };

describe('the WebSub notifier', () => {
  let hub: TestHub | undefined;
  afterEach(async () => {
    await hub?.close();
    hub = undefined;
  });

  it('tries again after 503, 503 and is accepted by the 204 that follows', async () => {
    hub = await startTestHub([503, 503, 204]);
    const log = captureLog();
    const notifier = createHubNotifier({ hubUrl: hub.url, logger: log.logger, ...fast });
    const [outcome] = await notifier.publish([TOPIC]);
    expect(outcome).toEqual({ topic: TOPIC, ok: true, status: 204, attempts: 3 });
    expect(hub.pings.map((p) => [p.mode, p.topic])).toEqual([
      ['publish', TOPIC],
      ['publish', TOPIC],
      ['publish', TOPIC],
    ]);
    expect(hub.pings[0]!.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    // exponential: the second wait is about twice the first
    const [a, b, c] = hub.pings.map((p) => p.at);
    expect(b! - a!).toBeGreaterThanOrEqual(45);
    expect(c! - b!).toBeGreaterThanOrEqual(95);
    const retries = log
      .records()
      .filter((r) => r.msg === 'WebSub ping failed, trying again: the hub answered 503: status 503');
    expect(retries.map((r) => r.delayMs)).toEqual([50, 100]);
    expect(log.records().filter((r) => r.msg === 'WebSub hub notified')).toMatchObject([
      { level: 30, topic: TOPIC, status: 204, attempts: 3 },
    ]);
    await notifier.close();
  });

  it('tries again after a 429 and gives up at once on a 4xx refusal', async () => {
    hub = await startTestHub([429, 400]);
    const log = captureLog();
    const notifier = createHubNotifier({ hubUrl: hub.url, logger: log.logger, ...fast });
    const [outcome] = await notifier.publish([TOPIC]);
    expect(outcome).toMatchObject({ ok: false, status: 400, attempts: 2 });
    expect(hub.pings).toHaveLength(2);
    expect(
      log.records().find((r) => r.level === 40 && String(r.msg).startsWith('WebSub hub not notified')),
    ).toMatchObject({
      msg: 'WebSub hub not notified: the hub answered 400: status 400',
      topic: TOPIC,
    });
    await notifier.close();
  });

  it('logs a hub that is down after a bounded number of tries, and never throws', async () => {
    const gone = await startTestHub();
    const url = gone.url;
    await gone.close();
    const log = captureLog();
    const notifier = createHubNotifier({ hubUrl: url, logger: log.logger, ...fast, attempts: 3 });
    const outcomes = await notifier.publish([TOPIC, 'https://caricc.org/atom.xml']);
    expect(outcomes.map((o) => [o.topic, o.ok, o.attempts])).toEqual([
      [TOPIC, false, 3],
      ['https://caricc.org/atom.xml', false, 3],
    ]);
    const final = log.records().filter((r) => String(r.msg).startsWith('WebSub hub not notified'));
    expect(final).toHaveLength(2);
    expect(final[0]).toMatchObject({ level: 40, hub: url, attempts: 3 });
    expect(String(final[0]!.msg)).toMatch(/fetch failed|ECONNREFUSED/);
    await notifier.close();
  });

  it('times out a hub that does not answer, and close() gives up the retries waiting', async () => {
    hub = await startTestHub(['hang', 'hang']);
    const log = captureLog();
    const notifier = createHubNotifier({
      hubUrl: hub.url,
      logger: log.logger,
      ...fast,
      timeoutMs: 200,
      baseDelayMs: 60_000,
    });
    const pending = notifier.publish([TOPIC]);
    await log.waitFor((r) => r.msg === 'WebSub ping failed, trying again: no answer within 200 ms');
    const started = Date.now();
    await notifier.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await pending).toMatchObject([{ ok: false, reason: 'stopping', attempts: 1 }]);
    expect(await notifier.publish([TOPIC])).toEqual([]);
  });
});
