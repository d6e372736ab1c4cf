// Coalesces single-key lookups made in the same turn of the event loop into one bulk call.

/** Returns a function that loads one key; keys asked for together are loaded with one `load` call (chunked). */
export function createBatcher<K, V>(load: (keys: K[]) => Promise<V[]>, maxBatch = 200): (key: K) => Promise<V> {
  let queue: { key: K; resolve: (value: V) => void; reject: (error: unknown) => void }[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    const pending = queue;
    queue = [];
    for (let start = 0; start < pending.length; start += maxBatch) {
      const chunk = pending.slice(start, start + maxBatch);
      load(chunk.map((item) => item.key)).then(
        (values) => chunk.forEach((item, i) => item.resolve(values[i])),
        (error: unknown) => chunk.forEach((item) => item.reject(error)),
      );
    }
  };
  return (key: K) =>
    new Promise<V>((resolve, reject) => {
      queue.push({ key, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}
