// Remembering the answers of pure functions of a text: the texts a build or a server sees recur
// (tags, dates, links, Accept-Encoding headers), and when `limit` of them are remembered all are
// dropped at once, which costs less than keeping track of the least recently used.

/**
 * A memo of at most `limit` answers: `remember(key, compute)` gives the answer for `key`, computing it the first
 * time.
 */
export function boundedMemo<V>(limit: number): (key: string, compute: () => V) => V {
  const known = new Map<string, V>();
  return (key, compute) => {
    let value = known.get(key);
    if (value === undefined) {
      value = compute();
      if (known.size >= limit) known.clear();
      known.set(key, value);
    }
    return value;
  };
}
