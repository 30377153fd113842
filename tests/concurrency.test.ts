import { describe, expect, it } from 'vitest';
import { mapLimit } from '../src/concurrency.ts';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('mapLimit', () => {
  it('returns results in input order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapLimit([5, 1, 4, 2, 3, 0, 6], 3, async (n, i) => {
      running++;
      peak = Math.max(peak, running);
      for (let k = 0; k < n; k++) await tick();
      running--;
      return `${i}:${n}`;
    });
    expect(results).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3', '5:0', '6:6']);
    expect(peak).toBe(3);
  });

  it('throws the first error only after the running tasks settle, and starts no new ones', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const run = mapLimit([0, 1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      if (n === 1) throw new Error('task 1 failed');
      for (let k = 0; k < 3; k++) await tick();
      finished.push(n);
      return n;
    });
    await expect(run).rejects.toThrow('task 1 failed');
    // Task 0 was running when task 1 failed: it finishes before the error surfaces; nothing else starts.
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([0]);
  });

  it('handles an empty list', async () => {
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });
});
