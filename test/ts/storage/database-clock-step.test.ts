/**
 * DatabaseClock when the host's clock is stepped (an NTP correction, an operator's `date -s`)
 * after a read of the database's clock: `now()` is still the database's clock, as it runs on from
 * that read on the monotonic clock, and `toHost()` turns it into the host's clock as it is now.
 * Before, `now()` was the host's clock plus the offset taken at the read: stepped 90 s back it ran
 * 90 s behind the database's clock until the next read, and `sync(db, maxAgeMs)` took the age of
 * its last read on the host's clock, so the last read looked 90 s in the future and no read was
 * made for 90 s (a gateway then wrote claims whose 60 s lease had run out before it was taken; the
 * verifier, which reads once a round, extends its claims' leases from `now()` during the round).
 */
import { expect } from "chai";
import { DatabaseClock, readDatabaseTime } from "../../../packages/storage/src/index.js";
import { describeBackends, storeOnSkewedHost } from "./backends.js";
import { restoreHostClock, skewHostClock } from "../skewed-date.js";

describeBackends("DatabaseClock across a step of the host's clock", (backend) => {
  const store = storeOnSkewedHost(backend);

  for (const step of [-90_000, 90_000])
    it(`stepped ${Math.abs(step) / 1000} s ${step < 0 ? "back" : "on"} right after a read: after sync(db, 1 s), now() is the database's`, async () => {
      const clock = new DatabaseClock();
      await clock.sync(store(), 1_000);
      skewHostClock(step);
      await clock.sync(store(), 1_000);
      const now = clock.now().getTime();
      restoreHostClock();
      const db = (await readDatabaseTime(store())).getTime();
      expect({ behindDatabaseMs: Math.round((db - now) / 1_000) * 1_000 + 0 }).to.deep.equal({
        behindDatabaseMs: 0,
      });
    });

  // A service that reads the clock once a round (the verifier) extends its claims' leases from
  // now() during the round: a step then must not move them.
  for (const step of [-90_000, 90_000])
    it(`stepped ${Math.abs(step) / 1000} s ${step < 0 ? "back" : "on"} with no read since: now() is still the database's, toHost() the host's`, async () => {
      const clock = new DatabaseClock();
      await clock.sync(store());
      skewHostClock(step);
      const now = clock.now().getTime();
      const lease = new Date(now + 60_000);
      const host = clock.toHost(lease) - Date.now();
      restoreHostClock();
      const db = (await readDatabaseTime(store())).getTime();
      expect({
        behindDatabaseS: Math.round((db - now) / 1_000) + 0,
        leaseLeftOnHostS: Math.round(host / 1_000) + 0,
      }).to.deep.equal({ behindDatabaseS: 0, leaseLeftOnHostS: 60 });
    });
});
