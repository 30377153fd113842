// The worker's retry of confirmation mails that could not be sent when readers asked (the mail server was down).
import type { Logger } from '../logger.ts';
import type { SubscriptionService } from './service.ts';

export interface ConfirmationRetries {
  /** Stops retrying; resolves once a round in progress has ended. */
  stop(): Promise<void>;
}

/**
 * Looks every `baseMs` for readers whose confirmation is still to be sent, and sends it. While the mail server
 * keeps failing, the wait doubles up to `maxMs` (and the failure is logged once, then when it changes); the
 * first round that gets through goes back to `baseMs`.
 */
export function startConfirmationRetries(
  service: Pick<SubscriptionService, 'retryConfirmations'>,
  logger: Logger,
  options: { baseMs?: number; maxMs?: number } = {},
): ConfirmationRetries {
  const baseMs = options.baseMs ?? 5_000;
  const maxMs = options.maxMs ?? 5 * 60_000;
  let delay = baseMs;
  let lastError: string | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();
  const run = async (): Promise<void> => {
    try {
      const result = await service.retryConfirmations();
      if (result.error === undefined) {
        if (lastError !== undefined) logger.info({ sent: result.sent }, 'the mail server answers again');
        lastError = undefined;
        delay = baseMs;
      } else {
        if (result.error !== lastError)
          logger.warn(
            { waiting: result.waiting, sent: result.sent, error: result.error },
            'confirmation mails are waiting for the mail server',
          );
        lastError = result.error;
        delay = Math.min(delay * 2, maxMs);
      }
    } catch (err) {
      logger.error({ err }, 'looking for confirmations to send failed');
      delay = Math.min(delay * 2, maxMs);
    }
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      round = run().finally(schedule);
    }, delay);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round;
    },
  };
}
