/**
 * Small concurrency helpers of the bulk workflows (`settleTrades`, `settleCrossLedgerTrades`).
 */

/** Resolves after `ms`, or at once when `signal` aborts (without throwing). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Runs `fn` over `list`, at most `n` at once; the first exception stops new starts and is thrown. */
export async function pool<T>(list: T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  let error: unknown;
  let failed = false;
  const worker = async () => {
    while (!failed && i < list.length) {
      const x = list[i++];
      try {
        await fn(x);
      } catch (e) {
        if (!failed) {
          failed = true;
          error = e;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, list.length) }, worker));
  if (failed) throw error;
}
