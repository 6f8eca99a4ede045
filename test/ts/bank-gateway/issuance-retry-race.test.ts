/**
 * The gateway's PostgreSQL issuance statement takes its snapshot before it waits for the
 * account's lock. A client's retry (same idempotency key, same body) that waits behind its first
 * request sees that request's hold in the balance but not its stored response: it is answered
 * with the stored response, read afresh, not refused for insufficient funds, and holds nothing.
 */
import { expect } from "chai";
import { sql, type Store } from "@kessai/storage";
import {
  holdIssuance,
  type IssuanceHold,
} from "../../../packages/bank-gateway/src/store/issuance-path.js";
import { FIRM_ADDRESS, fundedFirmStore } from "./funded-firm.js";

const TO = FIRM_ADDRESS;
const bankRef = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

describe("bank gateway on PostgreSQL: a same-key retry racing its first request", function () {
  this.timeout(60_000);
  let store: Store;
  before(async function () {
    store = await fundedFirmStore();
  });
  after(async () => store?.close());

  it("the retry of a request in flight (same key, same body) is answered as its first request was", async () => {
    const now = new Date();
    const h = (id: string): IssuanceHold => ({
      issuanceId: id,
      firmId: "f",
      accountId: "dep_f",
      reference: bankRef(77),
      to: TO,
      amount: 60n,
      now,
      holdDescription: "h",
      item: { topic: "dcjpy.issue", key: bankRef(77), payload: { issuanceId: id }, now },
      response: { scope: "f", key: "K", requestHash: "same", status: 201, body: { id } },
    });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let held!: () => void;
    const inside = new Promise<void>((r) => (held = r));
    // The first request's statement has run and not yet committed (its COMMIT is on its way).
    const first = store.transaction(
      async (tx) => {
        await holdIssuance(tx, h("iss_a"));
        held();
        await gate;
      },
      { isolation: "read-committed" },
    );
    await inside;
    // The client's retry (same key, same body) arrives now.
    const retry = holdIssuance(store, h("iss_b")).then(
      (r) => ({ ok: r }),
      (e) => ({ err: e }),
    );
    await new Promise((r) => setTimeout(r, 300));
    release();
    await first;
    const r = await retry;
    // answered with the first request's stored response, nothing held twice
    expect(r).to.deep.equal({
      ok: { earlier: { requestHash: "same", status: 201, body: { id: "iss_a" } } },
    });
    const holds = await store.all(
      sql`SELECT id FROM gw_transfers WHERE kind = 'pending' AND debit_account_id = 'dep_f'`,
    );
    expect(holds).to.have.length(1);
  });
});
