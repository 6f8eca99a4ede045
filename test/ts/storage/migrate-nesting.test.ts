/**
 * `store.migrate` inside a transaction of the same store is refused like every other store call:
 * the call returns a promise that rejects with TransactionStateError, it does not throw.
 */
import { expect } from "chai";
import {
  TransactionStateError,
  type MigrationModule,
} from "../../../packages/storage/src/index.js";
import { describeBackends, expectError } from "./backends.js";

const module_: MigrationModule = {
  namespace: "nesting",
  migrations: [
    { version: 1, name: "one", up: "CREATE TABLE nesting_one (id INTEGER PRIMARY KEY)" },
  ],
};

describeBackends("store.migrate inside a transaction", (backend) => {
  it("returns a rejected promise (TransactionStateError) instead of throwing", async function () {
    const store = await backend().fresh();
    await store.transaction(async () => {
      let pending: Promise<unknown> | undefined;
      expect(() => {
        pending = store.migrate([module_]);
      }).not.to.throw();
      await expectError(pending!, TransactionStateError);
    });
    // Nothing was applied: the migration runs once the transaction is over.
    const report = await store.migrate([module_]);
    expect(report.applied.map((a) => a.version)).to.deep.equal([1]);
  });
});
