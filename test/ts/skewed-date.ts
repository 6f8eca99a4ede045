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
