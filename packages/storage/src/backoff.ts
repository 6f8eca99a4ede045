/** How long to wait before the next attempt of something that failed. */
export interface BackoffPolicy {
  /** Delay after the first failure, in ms. */
  initialDelayMs: number;
  /** Growth per further failure (2: doubling). */
  multiplier: number;
  /** Largest delay, in ms. */
  maxDelayMs: number;
  /**
   * Fraction of the delay taken off at random, in [0, 1]: the delay is drawn uniformly from
   * [(1 − jitter) · d, d], so workers that failed together do not retry together.
   */
  jitter: number;
}

/** 1 s, doubling, at most 5 min, 20 % jitter. */
export const DEFAULT_BACKOFF: Readonly<BackoffPolicy> = Object.freeze({
  initialDelayMs: 1_000,
  multiplier: 2,
  maxDelayMs: 300_000,
  jitter: 0.2,
});

/**
 * The delay before retrying after failure number `failures` (1 for the first).
 *
 * @example
 * backoffDelay({ ...DEFAULT_BACKOFF, jitter: 0 }, 3); // 4000
 */
export function backoffDelay(
  policy: BackoffPolicy,
  failures: number,
  random: () => number = Math.random,
): number {
  const { initialDelayMs, multiplier, maxDelayMs, jitter } = policy;
  if (!(initialDelayMs >= 0 && multiplier >= 1 && maxDelayMs >= 0 && jitter >= 0 && jitter <= 1)) {
    throw new RangeError(`invalid backoff policy ${JSON.stringify(policy)}`);
  }
  const exponent = Math.max(0, failures - 1);
  const delay = Math.min(maxDelayMs, initialDelayMs * multiplier ** exponent);
  return Math.round(delay * (1 - jitter * random()));
}
