/**
 * A reorg deeper than the confirmations on the cash ledger that takes away the buyer's instruction
 * and the service's `pay` (docs/two-ledger.md, "Operations"), against two anvil nodes with k = 3
 * on SQLite. After `kessai verifier resync --ledger cash`, the decision's queue item, put back,
 * finds no instruction: it ends with that reason (no error, no retries). When the buyer instructs
 * the same terms again, the item is queued again and the decision taken before lands: paid once,
 * delivered once.
 */
import { expect } from "chai";
import { outbox, type Store } from "@kessai/storage";
import { VerifierReorgError } from "../../../packages/verifier/src/index.js";
import {
  mineBlocks as mine,
  reorgLedger as reorg,
  roundsUntil,
  sentBy,
  statesOf,
} from "./fixture.js";
import { SELLER, contractsOf, instruct, lock, termsFor, type TwoLedgers } from "./two-nodes.js";
import { sqliteOnly, useResyncNodes } from "./resync-fixture.js";

const K = 3;

sqliteOnly("resync after a reorg that takes away an instruction and its pay", (backend) => {
  const nodes = useResyncNodes(backend, K);
  const { open, resync } = nodes;
  let l: TwoLedgers;
  let store: Store;
  before(function () {
    ({ l, store } = nodes);
  });

  it("the instruction and the pay both gone: the decision's item ends; instructed again, the decision lands", async function () {
    this.timeout(120_000);
    const verifier = await open();
    const t = await termsFor(l, "instructed again");
    await lock(l, t);
    await mine(l.st, K);
    await mine(l.cash, 3); // the buyer's funding stays below the reorg
    const from = Number(await l.cash.node.rpc("eth_blockNumber", [])) + 1;
    await instruct(l, t);
    await mine(l.cash, K);
    // Decided and paid; the payment not yet confirmed when the reorg comes.
    await roundsUntil(l, verifier, async () => (await statesOf(l, t)).cash === 2);
    const id = t.id.toLowerCase();
    expect((await outbox.get(store, { topic: "cash.decide", key: id }))?.status).to.equal("done");
    const sent = await sentBy(l);

    const depth = Number(await l.cash.node.rpc("eth_blockNumber", [])) - from + 1;
    expect(depth).to.be.greaterThan(K);
    await reorg(l.cash, depth);
    expect((await statesOf(l, t)).cash, "never instructed").to.equal(0);
    await mine(l.cash, K);
    expect(await verifier.tick().catch((e: unknown) => e)).to.be.instanceOf(VerifierReorgError);
    const r = await resync(from, "cash");
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.include(`${id}: instructed -> none`);
    // The lost pay is held, not reopened: broadcast again with no instruction, it would revert.
    expect(r.out).to.include(
      "0 transactions reopened, 1 held until their lock or instruction is back",
    );

    // Started again: the decision's item runs, finds no instruction, and ends with that reason.
    const again = await open();
    for (let i = 0; i < 3; i++) {
      await again.tick();
      await mine(l.cash, 1);
    }
    const item = await outbox.get(store, { topic: "cash.decide", key: id });
    expect(item?.status).to.equal("done");
    expect(item?.result).to.deep.equal({
      skipped: "no instruction on the cash ledger: sent once it is seen again",
    });
    expect((await statesOf(l, t)).cash).to.equal(0);

    // The buyer instructs the same terms again: the decision taken before lands, once.
    await instruct(l, t);
    await mine(l.cash, K);
    await roundsUntil(l, again, async () => (await statesOf(l, t)).st === 2);
    expect(await statesOf(l, t)).to.deep.equal({ st: 2, cash: 2 });
    // One pay in all (the one the reorg took away spent no nonce), then the deliver.
    expect(await sentBy(l)).to.deep.equal({ st: sent.st + 1, cash: sent.cash });
    const c = await contractsOf(l, SELLER);
    expect(await c.payment.queryFilter(c.payment.filters.SettlementPaid!(t.id))).to.have.length(1);
    expect(
      await c.delivery.queryFilter(c.delivery.filters.SettlementDelivered!(t.id)),
    ).to.have.length(1);
  });
});
