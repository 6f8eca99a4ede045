/**
 * A group whose COMMIT has an unknown outcome (PostgreSQL: the connection broke during COMMIT,
 * which may have committed) is not run again member by member: a write that did commit would be
 * applied twice. Every caller of that group gets the error, as from a transaction of its own.
 */
import { expect } from "chai";
import {
  groupCommit,
  StorageConnectionError,
  type Store,
  type Tx,
} from "../../../packages/storage/src/index.js";

describe("groupCommit after a COMMIT of unknown outcome", () => {
  it("applies each write once and tells every caller of the broken group the outcome is unknown", async () => {
    // A database of one counter; the first transaction of more than one member reaches the
    // server's COMMIT, then its connection breaks before the answer.
    const db = { total: 0 };
    let broke = false;
    let members = 0;
    const store = {
      dialect: "postgres",
      async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
        const staged = { total: db.total };
        members = 0;
        const value = await fn({ staged } as unknown as Tx);
        db.total = staged.total;
        if (!broke && members > 1) {
          broke = true;
          throw new StorageConnectionError("Connection lost during COMMIT: outcome unknown", {
            commitUnknown: true,
          });
        }
        return value;
      },
    } as unknown as Store;
    const group = groupCommit(store);
    const add = (n: number) =>
      group.run(async (tx) => {
        members++;
        (tx as unknown as { staged: { total: number } }).staged.total += n;
        return n;
      });
    // the first call commits alone; the two made while it commits share the next transaction
    const outcomes = await Promise.allSettled([add(1), add(10), add(100)]);
    expect(db.total).to.equal(111);
    expect(outcomes[0]).to.deep.equal({ status: "fulfilled", value: 1 });
    for (const o of outcomes.slice(1)) {
      expect(o.status).to.equal("rejected");
      const reason = (o as PromiseRejectedResult).reason as StorageConnectionError;
      expect(reason).to.be.instanceOf(StorageConnectionError);
      expect(reason.commitUnknown).to.equal(true);
    }
  });
});
