// When a temporarily refused message is tried again: exponential backoff with a jitter that is a function of the row.
import { createHash } from 'node:crypto';

export interface BackoffSettings {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { baseMs: 60_000, maxMs: 6 * 3_600_000 };

/**
 * Delay before attempt `attempt + 1` after `attempt` failures (attempt >= 1). Half the exponential
 * delay is fixed, half is spread by a hash of (edition, subscriber, attempt): rows refused together
 * come back spread out, and the same row always gets the same delay.
 */
export function retryDelayMs(
  settings: BackoffSettings,
  editionId: number,
  subscriberId: number,
  attempt: number,
): number {
  const exponential = Math.min(settings.maxMs, settings.baseMs * 2 ** Math.max(0, attempt - 1));
  const digest = createHash('sha256').update(`${editionId}:${subscriberId}:${attempt}`).digest();
  const fraction = digest.readUInt32BE(0) / 0x1_0000_0000;
  return Math.round(exponential / 2 + (exponential / 2) * fraction);
}
