/**
 * The PostgreSQL issuance path's one-statement steps (store/issuance-path.ts) keep the rules of
 * the general ledger functions they replace: a hold the balance does not cover writes nothing, a
 * response already stored under the key is returned instead of a second hold, and the watcher's
 * posting of a range's Issued events posts each matching hold once, leaves the others to the
 * caller, and refuses a voided hold.
 */
import { expect } from "chai";
import { sql, toBigInt, type Store } from "@kessai/storage";
import * as ledger from "../../../packages/bank-gateway/src/store/ledger.js";
import {
  holdIssuance,
  postIssuanceHolds,
  type IssuanceHold,
} from "../../../packages/bank-gateway/src/store/issuance-path.js";
import {
  InsufficientFundsError,
  PendingResolvedError,
} from "../../../packages/bank-gateway/src/domain/errors.js";
import { FIRM_ADDRESS, fundedFirmStore } from "./funded-firm.js";

const TO = FIRM_ADDRESS;
const bankRef = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const txHash = (n: number) => `0x${(1000 + n).toString(16).padStart(64, "0")}`;

describe("gateway issuance path in one statement per step on postgres", function () {
  let store: Store;
  before(async function () {
    this.timeout(60_000);
    store = await fundedFirmStore();
  });
  after(async () => store?.close());

  const hold = (n: number, amount: bigint, key = `k${n}`): IssuanceHold => {
    const now = new Date();
    return {
      issuanceId: `iss_${n}`,
      firmId: "f",
      accountId: "dep_f",
      reference: bankRef(n),
      to: TO,
      amount,
      now,
      holdDescription: "DCJPY issuance hold",
      item: { topic: "dcjpy.issue", key: bankRef(n), payload: { issuanceId: `iss_${n}` }, now },
      response: { scope: "f", key, requestHash: `h${n}`, status: 201, body: { id: `iss_${n}` } },
    };
  };
  const count = async (table: string) =>
    Number(toBigInt((await store.get(sql`SELECT COUNT(*) AS n FROM ${sql.id(table)}`))!.n));
  const balances = async () => (await ledger.getAccount(store, "dep_f"))!.balances;

  it("holds, records the issuance, its outbox item and its response in one statement", async () => {
    const done = await holdIssuance(store, hold(1, 30n));
    expect(done).to.have.property("holdTransferId").that.is.a("number");
    expect((await balances()).available).to.equal(70n);
    expect(await count("gw_issuances")).to.equal(1);
    expect(await count("kessai_outbox")).to.equal(1);
    expect(await count("gw_idempotency")).to.equal(1);
  });

  it("returns the response stored under the key instead of holding twice", async () => {
    const again = await holdIssuance(store, { ...hold(2, 30n, "k1") });
    expect(again).to.deep.equal({
      earlier: { requestHash: "h1", status: 201, body: { id: "iss_1" } },
    });
    expect((await balances()).available).to.equal(70n);
    expect(await count("gw_issuances")).to.equal(1);
  });

  it("throws InsufficientFundsError and writes nothing when the balance does not cover it", async () => {
    let error: unknown;
    try {
      await holdIssuance(store, hold(3, 71n));
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(InsufficientFundsError);
    expect(error).to.include({ accountId: "dep_f", available: 70n, needed: 71n });
    expect((await balances()).available).to.equal(70n);
    expect(await count("gw_transfers")).to.equal(2);
    expect(await count("gw_issuances")).to.equal(1);
    expect(await count("kessai_outbox")).to.equal(1);
    expect(await count("gw_idempotency")).to.equal(1);
  });

  it("posts the matching holds of a range once and leaves the others to the caller", async () => {
    await holdIssuance(store, hold(4, 20n));
    const event = (n: number, amount: bigint) => ({
      reference: bankRef(n),
      account: TO,
      amount,
      txHash: txHash(n),
      blockNumber: 7,
    });
    // 1 and 4 match; 5 has no issuance; 4 with another amount would not match.
    const posted = await postIssuanceHolds(store, [event(1, 30n), event(4, 20n), event(5, 9n)]);
    expect([...posted]).to.deep.equal([
      [bankRef(1), "iss_1"],
      [bankRef(4), "iss_4"],
    ]);
    const b = await balances();
    expect(b.posted).to.equal(50n);
    expect(b.debitsPending).to.equal(0n);
    const issued = await store.all(
      sql`SELECT id, state, tx_hash, block_number FROM gw_issuances ORDER BY id`,
    );
    expect(issued.map((r) => [r.id, r.state, r.tx_hash, Number(r.block_number)])).to.deep.equal([
      ["iss_1", "issued", txHash(1), 7],
      ["iss_4", "issued", txHash(4), 7],
    ]);
    // The same events again (a range read twice): matched, nothing posted twice.
    await postIssuanceHolds(store, [event(1, 30n), event(4, 20n)]);
    expect((await balances()).posted).to.equal(50n);
    expect(await count("gw_transfers")).to.equal(5);
    expect((await ledger.checkTotals(store)).length).to.equal(0);
  });

  it("refuses to post a hold that was voided (PendingResolvedError), posting nothing", async () => {
    const done = await holdIssuance(store, hold(6, 10n));
    const holdId = (done as { holdTransferId: number }).holdTransferId;
    await store.transaction((tx) =>
      ledger.resolvePending(tx, { pendingId: holdId, action: "void", key: "void-6" }),
    );
    let error: unknown;
    try {
      await postIssuanceHolds(store, [
        { reference: bankRef(6), account: TO, amount: 10n, txHash: txHash(6), blockNumber: 8 },
      ]);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(PendingResolvedError);
    expect(error).to.include({ pendingId: holdId, resolution: "void_pending" });
    expect((await balances()).posted).to.equal(50n);
    const row = await store.get(sql`SELECT state FROM gw_issuances WHERE id = 'iss_6'`);
    expect(row!.state).to.equal("pending");
  });
});
