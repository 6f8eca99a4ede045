/**
 * The void of a held return (resync-held-return-new-terms.test.ts) in a watch transaction that
 * PostgreSQL fails with a serialization failure once (as it may, SERIALIZABLE, while another
 * instance records the same blocks or the engine's journal writes commit beside it): the store
 * runs the transaction again, and the void is made, counted and logged once. Before, the count
 * and the log were made inside the transaction, so the attempt rolled back was counted too:
 * `kessai_verifier_voided_returns_total 2` and two "held return void" warnings for one void.
 * Two anvil nodes, k = 3, PostgreSQL (SQLite never runs a transaction's callback twice).
 */
import { expect } from "chai";
import { sql, type Store } from "@kessai/storage";
import type { Backend } from "../storage/backends.js";
import { sharedPostgres } from "../storage/backends.js";
import { useResyncNodes } from "./resync-fixture.js";
import { heldReturnAfterResync, relockUnderNewTerms } from "./held-return-fixture.js";

const K = 3;

/** A PostgreSQL back end for useResyncNodes: only its databases are used. */
const postgres = (): Backend =>
  ({
    dialect: "postgres",
    newDatabase: async () => (await sharedPostgres()).createDatabase(),
  }) as Backend;

describe("the void of a held return in a watch transaction run twice, on postgres", () => {
  const nodes = useResyncNodes(postgres, K);

  it("voided once, counted once, logged once", async function () {
    this.timeout(180_000);
    const { t } = await heldReturnAfterResync(nodes, K, "void retried");
    let voids = 0;
    let failed = false;
    // The first transaction in which the void is made fails at its end with 40001.
    const store = new Proxy(nodes.store, {
      get(target, p) {
        if (p === "transaction")
          return (fn: (tx: never) => Promise<unknown>, o?: object) =>
            target.transaction(async (tx) => {
              const before = voids;
              const value = await fn(tx as never);
              if (voids > before && !failed) {
                failed = true;
                await tx.run(sql`DO $$ BEGIN RAISE EXCEPTION 'conflict'
                  USING ERRCODE = '40001'; END $$`);
              }
              return value;
            }, o);
        const v: unknown = Reflect.get(target, p, target);
        return typeof v === "function" ? (v as () => unknown).bind(target) : v;
      },
    }) as Store;
    const warned: string[] = [];
    const logger = {
      info() {},
      error() {},
      warn: (_o: object, msg?: string) => void warned.push(msg ?? ""),
    };
    const { again } = await relockUnderNewTerms(nodes, K, t, undefined, {
      store,
      crashPoint: (point) => void (point === "voiding" && voids++),
      logger,
    });
    expect({
      attempts: voids,
      failed,
      metric: (await again.metricsText()).match(/kessai_verifier_voided_returns_total \d+/)?.[0],
      warned: warned.filter((m) => m.startsWith("held return void")).length,
    }).to.deep.equal({
      attempts: 2,
      failed: true,
      metric: "kessai_verifier_voided_returns_total 1",
      warned: 1,
    });
  });
});
