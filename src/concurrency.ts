// Bounded concurrency for file I/O: many small reads or writes overlap in libuv's thread pool
// instead of waiting for each other, without opening thousands of files at once.

/**
 * Calls `task` on every element of `items`, at most `limit` at a time, and resolves with the
 * results in the order of `items`. After a failure no new task starts; the first error is
 * thrown once the tasks already running have settled, so none is left behind.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}
