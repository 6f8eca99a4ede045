/**
 * settleTrade's step 2 right after its own lock has no read of its own: the affirmation is sent at
 * once and a refusal tells that the settlement is no longer Pending. That holds only where the
 * buyer's send is estimated and the refusal is decoded as the DVP's. A buyer with a fixed gas
 * limit (`connect({ gasLimit })`) sends without an estimate, so the affirmation of a settlement
 * the agent rejected would be mined, reverted, at the buyer's expense; a node that answers the
 * estimate's revert without its data gives `UnknownContractError`; a paused DVP refuses with
 * `EnforcedPause` before it looks at the state. In each case the trade must end as the read
 * before step 2 made it end: `SettlementStateError`, nothing sent by the buyer, nothing issued.
 */
import { expect } from "chai";
import { makeError, ZeroAddress } from "ethers";
import {
  FirmClient,
  settleTrade,
  SettlementStateError,
  settleTradeKey,
  tradeReference,
  type ProgressEvent,
  type SettleTradeParams,
} from "../../../packages/sdk/src/index.js";
import { deployKessai, ref, type Kessai } from "./fixture.js";
import { expectError, racing } from "./helpers.js";

interface Request {
  method: string;
  params?: unknown[];
}

describe("sdk: settleTrade's step 2 after its own lock, when the affirmation's estimate is not the check", function () {
  let k: Kessai;
  before(async function () {
    k = await deployKessai();
    await k.clients.issuer.issueSecurity({ to: k.signers.seller.address, value: 100n });
  });

  /**
   * The agent rejects the trade right after the lock reaches the node (`more` runs after the
   * rejection): the trade throws SettlementStateError, the buyer sent nothing, nothing is issued.
   */
  async function rejectedAfterLock(
    buyer: FirmClient,
    more: () => Promise<unknown> = async () => {},
  ) {
    const terms = await k.newTerms({ agent: k.signers.agent.address });
    const supply = await k.contracts.dcjpy.totalSupply();
    const nonce = await k.ethers.provider.getTransactionCount(terms.buyer);
    const party: Pick<SettleTradeParams, "seller" | "buyer" | "bank" | "agent"> = {
      seller: k.clients.seller,
      buyer,
      bank: k.clients.bank,
      agent: k.clients.agent,
    };
    await racing(
      k.conn.provider,
      k.contracts.bond,
      "lock",
      async () => {
        await k.clients.agent.rejectSettlement({ terms, reason: ref("kyc") });
        await more();
      },
      () =>
        expectError(settleTrade({ ...party, terms }), SettlementStateError, {
          id: terms.id,
          state: "Rejected",
        }),
    );
    expect(await k.contracts.dvp.stateOf(terms.id)).to.equal(6n); // Rejected
    // the buyer sent nothing: no affirmation mined reverted
    expect(await k.ethers.provider.getTransactionCount(terms.buyer)).to.equal(nonce);
    expect(await k.contracts.dcjpy.totalSupply()).to.equal(supply);
    const issuance = await k.contracts.dcjpy.issuanceOf(tradeReference(terms.id, "issuance"));
    expect(issuance.account).to.equal(ZeroAddress);
  }

  it("a buyer with a fixed gas limit sends no affirmation for a settlement rejected after the lock", async function () {
    const buyer = await FirmClient.connect({
      runner: k.signers.buyer,
      addresses: k.addresses,
      gasLimit: 500_000n,
    });
    await rejectedAfterLock(buyer);
  });

  it("a node that answers the affirmation's refused estimate without revert data: SettlementStateError, not UnknownContractError", async function () {
    const affirm = k.contracts.dvp.interface.getFunction("affirm")!.selector;
    const p = k.conn.provider as unknown as { request: (a: Request) => Promise<unknown> };
    const original = p.request;
    p.request = async function (a) {
      const data = (a.params?.[0] as { data?: string } | undefined)?.data;
      if (a.method !== "eth_estimateGas" || !data?.startsWith(affirm))
        return original.call(this, a);
      try {
        return await original.call(this, a);
      } catch {
        // as ethers' JsonRpcProvider gives a node's revert without its data
        throw makeError("missing revert data", "CALL_EXCEPTION", {
          action: "estimateGas",
          data: null,
          reason: null,
          transaction: { to: k.addresses.dvp, data },
          invocation: null,
          revert: null,
          info: { error: { code: -32000, message: "execution reverted" }, payload: a },
        });
      }
    };
    try {
      await rejectedAfterLock(k.clients.buyer);
    } finally {
      p.request = original;
    }
  });

  it("the DVP paused and the settlement rejected after the lock: SettlementStateError, not EnforcedPause", async function () {
    const dvp = k.contracts.dvp.connect(k.signers.admin);
    try {
      await rejectedAfterLock(k.clients.buyer, async () => (await dvp.pause()).wait());
    } finally {
      if (await dvp.paused()) await (await dvp.unpause()).wait();
    }
  });

  /**
   * settleTrade of `terms` (no agent) while, right after the node answers the estimate of the
   * buyer's affirmation (the estimate passed; nothing sent yet), `meanwhile` runs to its end once:
   * the affirmation is then sent and mined reverted. Resolves to the result and every event.
   */
  async function afterAffirmEstimate(
    terms: SettleTradeParams["terms"],
    meanwhile: () => Promise<unknown>,
  ) {
    const events: ProgressEvent[] = [];
    let result: Awaited<ReturnType<typeof settleTrade>> | undefined;
    await racing(
      k.conn.provider,
      k.contracts.dvp,
      "affirm",
      meanwhile,
      async () => {
        result = await settleTrade({
          seller: k.clients.seller,
          buyer: k.clients.buyer,
          bank: k.clients.bank,
          terms,
          onProgress: (e) => void events.push(e),
        });
      },
      "eth_estimateGas",
    );
    return { result: result!, events };
  }

  const scope = () => ({ chainId: k.clients.seller.ctx.chainId, dvp: k.addresses.dvp });
  const affirmEntry = (id: string) =>
    k.clients.buyer.ctx.signer!.engine.journal.get(settleTradeKey(scope(), id, "affirm"));

  it("affirmed by another run between the estimate and the send: mined reverted, step 2 started then skipped, the trade settles", async function () {
    const terms = await k.newTerms();
    const nonce = await k.ethers.provider.getTransactionCount(terms.buyer);
    const bonds = await k.contracts.bond.balanceOf(terms.buyer);
    const { result, events } = await afterAffirmEstimate(terms, () =>
      k.clients.buyer.affirmSettlement({ terms }),
    );
    expect(result.state).to.equal("Settled");
    expect(events.filter((e) => e.step === 2)).to.deep.equal([
      { step: 2, name: "affirm", status: "started" },
      { step: 2, name: "affirm", status: "skipped", reason: "already affirmed" },
    ]);
    // the trade's own affirmation was sent and mined reverted (the buyer's three transactions: the
    // other run's affirmation, the trade's, the settlement); its entry is not a confirmed one
    // (Hardhat's node answers the send of a reverting transaction with its error: "intent")
    expect(await k.ethers.provider.getTransactionCount(terms.buyer)).to.equal(nonce + 3);
    expect((await affirmEntry(terms.id))!.state).to.be.oneOf(["reverted", "intent"]);
    // nothing moved twice
    expect(await k.contracts.dcjpy.balanceOf(terms.buyer)).to.equal(0n);
    expect(await k.contracts.dcjpy.balanceOf(terms.seller)).to.equal(0n);
    expect(await k.contracts.bond.balanceOf(terms.buyer)).to.equal(bonds + terms.quantity);
  });

  it("the lock undone between the affirmation's estimate and its send: mined reverted, the pass redone, step 2 sent afresh under its key", async function () {
    const terms = await k.newTerms();
    const snapshot = (await k.ethers.provider.send("evm_snapshot", [])) as string;
    // the chain loses the lock (as in a reorg) after the affirmation's estimate passed
    const { result, events } = await afterAffirmEstimate(terms, () =>
      k.ethers.provider.send("evm_revert", [snapshot]),
    );
    expect(result.state).to.equal("Settled");
    expect(result.redone).to.equal(1);
    expect(events.filter((e) => e.step <= 2).map((e) => `${e.step} ${e.status}`)).to.deep.equal([
      "1 started",
      "1 done",
      "2 started",
      "1 reorged",
      "1 started",
      "1 done",
      "2 started",
      "2 done",
    ]);
    // the key's reverted entry gave way to the affirmation the redo sent
    const entry = (await affirmEntry(terms.id))!;
    expect(entry.state).to.equal("confirmed");
    const done = events.find((e) => e.step === 2 && e.status === "done")!;
    expect(entry.mined!.hash).to.equal(done.txHash);
    const first = (await k.ethers.provider.getTransactionReceipt(entry.txs[0].hash))!;
    expect(entry.txs).to.have.length(1);
    expect(first.status).to.equal(1);
  });
});
