/** A host's clock skewed, for the tests of what services write on the database's clock. */

/** `Date` as on a host whose clock is `skewMs` ahead of this one's (behind, if negative). */
export function skewedDate(skewMs: number): DateConstructor {
  const RealDate = Date;
  class Skewed extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + skewMs);
      else super(...(args as [string]));
    }
    static override now() {
      return RealDate.now() + skewMs;
    }
  }
  return Skewed as DateConstructor;
}

/** This host's own `Date`, whatever a test sets `globalThis.Date` to. */
export const RealDate = Date;

/** Puts the host's clock `skewMs` off for the code under test (see {@link skewedDate}). */
export function skewHostClock(skewMs: number): void {
  globalThis.Date = skewedDate(skewMs);
}

/** Puts the host's own clock back. */
export function restoreHostClock(): void {
  globalThis.Date = RealDate;
}

/**
 * In the calling suite, after each test: the host's own clock put back, then `also()` (what the
 * test started, stopped).
 */
export function restoreHostClockAfterEach(also?: () => unknown): void {
  afterEach(async function () {
    restoreHostClock();
    await also?.();
  });
}
