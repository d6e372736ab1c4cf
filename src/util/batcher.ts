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

/**
 * Like createBatcher, with one load in flight at a time: keys asked for while a load runs wait for it to end and go
 * out together in the next. Lookups that arrive one after another (the read-back after each of many writes, which end
 * at different moments) then share a load instead of each paying one, at the cost of waiting at most one load.
 */
export function createQueuedBatcher<K, V>(load: (keys: K[]) => Promise<V[]>, maxBatch = 200): (key: K) => Promise<V> {
  let queue: { key: K; resolve: (value: V) => void; reject: (error: unknown) => void }[] = [];
  let loading = false;
  let scheduled = false;
  const schedule = (): void => {
    if (scheduled || loading || queue.length === 0) return;
    scheduled = true;
    setImmediate(() => void flush());
  };
  const flush = async (): Promise<void> => {
    scheduled = false;
    loading = true;
    const pending = queue;
    queue = [];
    const chunks: (typeof pending)[] = [];
    for (let start = 0; start < pending.length; start += maxBatch) chunks.push(pending.slice(start, start + maxBatch));
    await Promise.all(
      chunks.map((chunk) =>
        Promise.resolve()
          .then(() => load(chunk.map((item) => item.key)))
          .then(
            (values) => chunk.forEach((item, i) => item.resolve(values[i])),
            (error: unknown) => chunk.forEach((item) => item.reject(error)),
          ),
      ),
    );
    loading = false;
    schedule();
  };
  return (key: K) =>
    new Promise<V>((resolve, reject) => {
      queue.push({ key, resolve, reject });
      schedule();
    });
}
