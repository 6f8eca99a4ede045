/**
 * DatabaseClock: the database's clock as a host whose own clock is off tells it, from one read of
 * the database's clock (its offset taken at the middle of the read's round trip).
 */
import { expect } from "chai";
import { DatabaseClock, readDatabaseTime } from "../../../packages/storage/src/index.js";
import { describeBackends, storeOnSkewedHost } from "./backends.js";
import { RealDate, restoreHostClock, skewHostClock } from "../skewed-date.js";

describeBackends("DatabaseClock", (backend) => {
  const store = storeOnSkewedHost(backend);

  for (const skew of [-90_000, 90_000])
    it(`on a host ${Math.abs(skew) / 1000} s ${skew < 0 ? "behind" : "ahead"}: now() is the database's, toHost() the host's`, async () => {
      const clock = new DatabaseClock();
      skewHostClock(skew);
      expect(Math.abs(clock.now().getTime() - RealDate.now() - skew)).to.be.below(1_000);
      await clock.sync(store());
      const now = clock.now().getTime();
      const lease = new Date(now + 60_000);
      // read on the skewed host (the offset and toHost() follow the host's clock as it is)
      const offset = clock.offset;
      const host = clock.toHost(lease);
      restoreHostClock();
      const db = (await readDatabaseTime(store())).getTime();
      expect({
        now: Math.abs(now - db) < 1_000,
        offset: Math.abs(offset + skew) < 1_000,
        // the lease's end as the host reads it: 60 s on, on the host's (skewed) clock
        toHost: Math.abs(host - (RealDate.now() + skew + 60_000)) < 1_000,
      }).to.deep.equal({ now: true, offset: true, toHost: true });
    });

  it("with maxAgeMs, reads the database's clock again only once the last read is that old", async () => {
    const clock = new DatabaseClock();
    let reads = 0;
    const counted = new Proxy(store(), {
      get(target, p) {
        if (p === "get") reads++;
        const v: unknown = Reflect.get(target, p, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    await clock.sync(counted, 60_000);
    await clock.sync(counted, 60_000);
    await clock.sync(counted, 0);
    expect(reads).to.equal(2);
  });
});
