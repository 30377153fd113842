// The scheduled half of the worker: at each slot of the digest schedule (under a lease, so one worker
// of several does it) create the edition, and on a poll drain every edition being sent through the ledger.
import { startCronJob, type CronJob } from '../adapters/node-cron.ts';
import {
  createEdition,
  dispatch,
  recoverInterrupted,
  registerSender,
  type CreateEditionResult,
  type DeliveryDeps,
  type DispatchResult,
  type Sender,
} from '../delivery/index.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { createLeaseKeeper, type LeaseKeeper } from '../scheduler/lease.ts';
import { dkimAlignmentProblem } from '../newsletter/index.ts';
import { nextSlot, planSlot, type SlotPlan } from '../scheduler/slots.ts';

/** The lease row the schedule runs under. */
export const SCHEDULER_LEASE = 'scheduler';

export interface WorkerOptions {
  deps: DeliveryDeps;
  /** Unique per process: lease holder and ledger claimant. */
  workerId: string;
  /** Lease lifetime without renewal (default 30 s). */
  leaseTtlMs?: number;
  /** How often the lease is renewed and the schedule checked (default 10 s). */
  tickMs?: number;
  /** How often the ledger is polled for deliveries to send (default 3 s). */
  pollMs?: number;
  /** At most one progress line per edition this often (default 10 s). */
  progressLogMs?: number;
  /** How often rows of senders that died are looked for and recovered (default 5 s). */
  recoverEveryMs?: number;
  /** The worker's own log lines (default: the deps' logger). */
  logger?: Logger;
  /**
   * Called when the number of sent editions changes (this worker's or another process's send finished): the archive is
   * stale.
   */
  onEditionsSent?: () => void;
  /** Called as each drain of the ledger starts; what it returns is called as the drain ends. */
  whileDispatching?: () => () => void;
  /**
   * Whether this worker runs the digest schedule (default true). A preview worker (`--base-url`) does not: it
   * never takes the scheduler lease from the real one, and creates no edition of its own.
   */
  scheduled?: boolean;
}

export interface TickReport {
  /** Whether this worker holds the scheduler lease (only the holder creates editions). */
  leader: boolean;
  plan?: SlotPlan;
  /** What creating the slot's edition gave, when it was due and not handled before by this worker. */
  edition?: CreateEditionResult;
  /** The slot was too late and had no edition: skipped (logged once). */
  skipped?: string;
}

export interface Worker {
  /**
   * One pass of the schedule at `now` (default the deps' clock): renew the lease, and as leader create the due slot's
   * edition.
   */
  tick(now?: Date): Promise<TickReport>;
  /** Drains the ledger once; a call while a drain runs waits for it and drains once more. */
  dispatchNow(): Promise<DispatchResult | undefined>;
  /** Recovers interrupted claims, runs a first tick and dispatch, then ticks and polls on timers and node-cron. */
  start(): Promise<void>;
  /** Stops timers and the cron job, aborts the drain (messages in flight finish), releases the lease. */
  stop(): Promise<void>;
  /** The next slot of the schedule after `now`. */
  nextSlot(now?: Date): Date | undefined;
}

export function createWorker(options: WorkerOptions): Worker {
  const { deps, workerId } = options;
  const { config } = deps;
  const logger = options.logger ?? deps.logger;
  const schedule = config.digest.schedule;
  const zone = config.site.timezone;
  const maxLatenessMs = config.digest.maxLatenessHours * 3_600_000;
  const tickMs = options.tickMs ?? 10_000;
  const pollMs = options.pollMs ?? 3_000;
  const progressLogMs = options.progressLogMs ?? 10_000;
  const lease: LeaseKeeper = createLeaseKeeper({
    store: deps.store,
    name: SCHEDULER_LEASE,
    holder: workerId,
    ttlMs: options.leaseTtlMs ?? 30_000,
    logger,
  });

  // Slots this process has dealt with (created, taken, nothing new, skipped): not tried again on every tick.
  const handled = new Set<string>();
  const abort = new AbortController();
  let ticking: Promise<TickReport> | undefined;
  let draining: Promise<DispatchResult | undefined> | undefined;
  let drainAgain: Promise<DispatchResult | undefined> | undefined;
  let timers: NodeJS.Timeout[] = [];
  let cron: CronJob | undefined;
  let stopped = false;
  let sender: Sender | undefined;

  const editionForSlot = async (key: string): Promise<number | undefined> => {
    const row = await deps.store.db.selectFrom('editions').select('id').where('slot', '=', key).executeTakeFirst();
    return row?.id;
  };

  const tickOnce = async (now: Date): Promise<TickReport> => {
    if (options.scheduled === false) return { leader: false };
    const leader = await lease.renew(now);
    if (!leader) return { leader };
    const plan = planSlot({ schedule, zone, now, maxLatenessMs });
    if (plan.kind === 'none' || handled.has(plan.key)) return { leader, plan };
    if (plan.kind === 'too-late') {
      handled.add(plan.key);
      const existing = await editionForSlot(plan.key);
      if (existing !== undefined) return { leader, plan };
      logger.warn(
        {
          slot: plan.key,
          lateHours: Math.round(plan.lateMs / 360_000) / 10,
          maxLatenessHours: config.digest.maxLatenessHours,
        },
        'missed slot skipped: it is older than digest.max_lateness_hours; ' +
          '`gazette digest send` sends an edition by hand',
      );
      return { leader, plan, skipped: plan.key };
    }
    if (plan.lateMs > 0)
      logger.info({ slot: plan.key, lateMinutes: Math.round(plan.lateMs / 60_000) }, 'catching up a missed slot');
    else logger.info({ slot: plan.key }, 'slot reached');
    const edition = await createEdition(deps, { now, slot: plan.key });
    handled.add(plan.key);
    if (edition.status === 'open-exists')
      logger.warn(
        { slot: plan.key, open: edition.editionId, state: edition.state },
        "slot's edition not created: an earlier edition is still open; the next edition carries its items",
      );
    return { leader, plan, edition };
  };

  const tick = (now: Date = deps.now()): Promise<TickReport> => {
    // One tick at a time: node-cron and the timer may wake together.
    const previous = ticking ?? Promise.resolve(undefined);
    const next = previous.catch(() => undefined).then(() => tickOnce(now));
    ticking = next;
    void next
      .finally(() => {
        if (ticking === next) ticking = undefined;
      })
      .catch(() => undefined);
    return next;
  };

  const drainOnce = async (): Promise<DispatchResult | undefined> => {
    if (abort.signal.aborted) return undefined;
    const lastLogged = new Map<number, number>();
    const done = options.whileDispatching?.();
    const result = await dispatch(deps, {
      workerId,
      registered: true,
      signal: abort.signal,
      onProgress(p) {
        const now = deps.now().getTime();
        const last = lastLogged.get(p.editionId);
        if (last === undefined) {
          logger.info({ edition: p.editionId, pending: p.pending + p.retry, sent: p.sent }, 'edition sending');
          lastLogged.set(p.editionId, now);
        } else if (now - last >= progressLogMs) {
          const { editionId, ...counts } = p;
          logger.info({ edition: editionId, ...counts }, 'edition progress');
          lastLogged.set(p.editionId, now);
        }
      },
    }).finally(() => done?.());
    if (result.sent + result.failed + result.retried > 0 || result.completed.length > 0 || result.paused.length > 0) {
      logger.info(
        {
          sent: result.sent,
          failed: result.failed,
          retried: result.retried,
          completed: result.completed,
          paused: result.paused,
          aborted: result.aborted,
        },
        result.aborted ? 'dispatch stopped' : 'dispatch done',
      );
    }
    return result;
  };

  const dispatchNow = (): Promise<DispatchResult | undefined> => {
    if (!draining) {
      const run: Promise<DispatchResult | undefined> = drainOnce().finally(() => {
        if (draining === run) draining = undefined;
      });
      draining = run;
      return run;
    }
    // Rows may have appeared after the running drain looked: drain once more after it.
    drainAgain ??= draining
      .catch(() => undefined)
      .then(() => {
        drainAgain = undefined;
        return dispatchNow();
      });
    return drainAgain;
  };

  const wake = async (why: string): Promise<void> => {
    if (stopped) return;
    try {
      const report = await tick();
      if (report.edition?.status === 'created')
        void dispatchNow().catch((err) => logger.error({ err }, `dispatch failed: ${errorMessage(err)}`));
    } catch (err) {
      logger.error({ err, wake: why }, `schedule check failed: ${errorMessage(err)}`);
    }
  };

  // Editions with a page on the web (see readSentEditions): one created or cancelled changes the archive.
  let sentEditions: number | undefined;
  const countSent = async (): Promise<number> => {
    const row = await deps.store.db
      .selectFrom('editions')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('state', 'in', ['sent', 'sending', 'paused'])
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  };
  const checkSent = async (): Promise<void> => {
    const count = await countSent();
    if (sentEditions !== undefined && count !== sentEditions) options.onEditionsSent?.();
    sentEditions = count;
  };

  // Rows of a sender that died (a `digest send` killed, another worker gone) are taken back within
  // seconds of its death, by whichever worker looks first; a live sender's are never touched.
  let lastRecovery = 0;
  let recovering: Promise<void> | undefined;
  const recoverDead = (): Promise<void> => {
    recovering ??= recoverInterrupted(deps, { now: deps.now() })
      .then((report) => {
        if (report.requeued + report.uncertain + report.released > 0) {
          logger.warn(
            { ...report, dead: report.dead.map((d) => d.id) },
            report.uncertain > 0
              ? 'rows of a sender that died recovered; uncertain ones are held: `gazette digest status` lists them'
              : 'rows of a sender that died recovered and queued again',
          );
          void dispatchNow().catch((err) => logger.error({ err }, `dispatch failed: ${errorMessage(err)}`));
        }
      })
      .catch((err) => logger.warn({ err }, `cannot recover the rows of dead senders: ${errorMessage(err)}`))
      .finally(() => {
        recovering = undefined;
        lastRecovery = Date.now();
      });
    return recovering;
  };

  const poll = (): void => {
    if (stopped) return;
    if (Date.now() - lastRecovery >= (options.recoverEveryMs ?? 5_000)) void recoverDead();
    checkSent().catch((err) => logger.warn({ err }, `cannot count sent editions: ${errorMessage(err)}`));
    if (draining) return;
    dispatchNow()
      .then(() => checkSent())
      .catch((err) => logger.error({ err }, `dispatch failed: ${errorMessage(err)}`));
  };

  return {
    tick,
    dispatchNow,
    nextSlot: (now = deps.now()) => nextSlot(schedule, zone, now),
    async start() {
      sender = await registerSender({ store: deps.store, id: workerId, kind: 'worker', now: deps.now, logger });
      await recoverDead();
      sentEditions = await countSent();
      await wake('start');
      poll();
      timers = [setInterval(() => void wake('timer'), tickMs), setInterval(poll, pollMs)];
      cron = startCronJob({ expression: schedule, zone, name: 'gazette-digest', onTick: () => void wake('cron') });
      const next = nextSlot(schedule, zone, deps.now());
      logger.info({ schedule, timezone: zone, ...(next ? { nextSlot: next.toISOString() } : {}) }, 'schedule running');
      // DMARC passes on DKIM only when the signing domain is aligned with From's
      const misaligned = dkimAlignmentProblem(config);
      if (misaligned) logger.warn({ key: 'digest.dkim.domain' }, misaligned);
    },
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      timers = [];
      await cron?.stop();
      abort.abort();
      await Promise.allSettled([draining, drainAgain, ticking, recovering]);
      // once nothing of ours is in flight: a sender without a row is a stopped one
      await sender?.stop().catch((err) => logger.warn({ err }, 'cannot remove the sender record'));
      await lease.release().catch((err) => logger.warn({ err }, 'cannot release the lease; it lapses by itself'));
    },
  };
}
