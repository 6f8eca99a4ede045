/**
 * What settleTrade asks the node, per trade: the reads before each step are one request (the
 * settlement's state and what the step needs, `readViews`), but step 2 right after the lock is
 * checked by its own estimate (the contract refuses a settlement not Pending); the checks before step 1 and step 1
 * (createSettlement) read the block time inside that request (`readViewsAt`); each transaction is
 * the estimate, the node's `eth_sendTransaction` (with the fee history Hardhat reads for it) and
 * its receipt, without the block-number read of the signer's own sendTransaction nor its read-back
 * of the transaction by hash. 27 requests in all (40 before the block time went into the reads and
 * the send path lost its block-number read, 33 before it lost the read-back, 28 before step 2's
 * read; raw ethers doing the same steps: 31). In-process, counted on the network's EIP-1193 provider.
 */
import { expect } from "chai";
import { settleTrade, type ProgressEvent } from "../../../packages/sdk/src/index.js";
import { deployKessai, type Kessai } from "./fixture.js";

interface Request {
  method: string;
  params?: unknown[];
}

/** Every request the trade makes, with the step it was made in (0: the checks before step 1). */
async function recorded(
  k: Kessai,
  run: (onProgress: (e: ProgressEvent) => void) => Promise<unknown>,
) {
  const p = k.conn.provider as unknown as { request: (a: Request) => Promise<unknown> };
  const original = p.request;
  const seen: (Request & { step: string })[] = [];
  let step = "checks";
  p.request = function (a) {
    seen.push({ ...a, step });
    return original.call(this, a);
  };
  try {
    await run((e) => {
      step = `${e.step} ${e.status}`;
    });
  } finally {
    p.request = original;
  }
  return seen;
}

const callData = (r: Request) => (r.params?.[0] as { data?: string } | undefined)?.data ?? "";
const isRead = (r: Request) =>
  r.method === "eth_call" && (r.params?.[0] as { to?: string } | undefined)?.to !== undefined;
const isBatch = (r: Request) =>
  r.method === "eth_call" && (r.params?.[0] as { to?: string } | undefined)?.to === undefined;

describe("sdk: settleTrade's requests per trade", function () {
  let k: Kessai;
  const party = () => ({ seller: k.clients.seller, buyer: k.clients.buyer, bank: k.clients.bank });
  before(async function () {
    k = await deployKessai();
    await k.clients.issuer.issueSecurity({ to: k.signers.seller.address, value: 100n });
  });

  it("one request of reads before each step, with the block time in it; step 1 reads the block time and the trade's checks right before the lock", async function () {
    // a first trade reads what a client keeps (DCJPY's EIP-712 domain, the chain ID)
    await settleTrade({ ...party(), terms: await k.newTerms() });
    const terms = await k.newTerms();
    const seen = await recorded(k, (onProgress) => settleTrade({ ...party(), terms, onProgress }));
    if (process.env.KESSAI_PRINT_REQUESTS)
      for (const r of seen) console.log(r.step, r.method, callData(r).slice(0, 10));
    const inStep = (s: string) => seen.filter((r) => r.step === s);
    // the checks before step 1: one eth_call for everything, the block time with it
    expect(inStep("checks").map((r) => r.method)).to.deep.equal(["eth_call"]);
    expect(inStep("checks").filter(isBatch)).to.have.length(1);
    // step 1 reads the clock and the trade's checks again right before the lock (what ran in
    // between, e.g. the caller's progress callback, may have changed them): one batch
    const step1 = inStep("1 started");
    expect(step1.filter((r) => r.method === "eth_call").filter(isBatch)).to.have.length(1);
    expect(seen.filter((r) => r.method === "eth_getBlockByNumber")).to.deep.equal([]);
    // the security token's canTransfer is asked once, inside step 1's batch
    const canTransfer = k.contracts.bond.interface.getFunction("canTransfer")!.selector.slice(2);
    const asking = seen.filter((r) => r.method === "eth_call" && callData(r).includes(canTransfer));
    expect(asking.map((r) => r.step)).to.deep.equal(["1 started"]);
    // before steps 3, 6, 7 and after 7 (state and reference): one eth_call each; none before
    // step 2, whose estimate is its check
    const reads = seen.filter((r) => isRead(r) || isBatch(r));
    expect(reads.map((r) => `${r.step}${isBatch(r) ? " batch" : ""}`)).to.deep.equal([
      "checks batch",
      "1 started batch",
      "2 done batch",
      "5 skipped batch",
      "6 done batch",
      "7 done batch",
    ]);
  });

  it("27 requests per trade: no block reads of their own, three requests per transaction with the fee history, no read-back", async function () {
    const terms = await k.newTerms();
    const seen = await recorded(k, () => settleTrade({ ...party(), terms }));
    const count = (m: string) => seen.filter((r) => r.method === m).length;
    // five transactions: lock, affirm, issue, settle (with the buyer's signed authorization), redeem
    const send = ["eth_estimateGas", "eth_sendTransaction", "eth_feeHistory"];
    for (const m of [...send, "eth_getTransactionReceipt"]) expect(count(m), m).to.equal(5);
    // the hash the node returns is all the watch needs of an automined transaction
    expect(count("eth_getTransactionByHash")).to.equal(0);
    expect(count("eth_signTypedData_v4")).to.equal(1);
    // the reads: before step 1, in step 1, and before steps 3, 6 (after 5, skipped), 7 and after 7
    expect(count("eth_call")).to.equal(6);
    expect(count("eth_blockNumber") + count("eth_getBlockByNumber")).to.equal(0);
    expect(seen).to.have.length(27);
  });

  it("a pass after step 1 was undone reads the trade's checks afresh in its own step 1", async function () {
    const terms = await k.newTerms();
    const snapshot = (await k.ethers.provider.send("evm_snapshot", [])) as string;
    let undone = false;
    const events: ProgressEvent[] = [];
    const seen = await recorded(k, (onProgress) =>
      settleTrade({
        ...party(),
        terms,
        onProgress: async (e) => {
          events.push(e);
          onProgress(e);
          // the chain loses the lock (as in a reorg) right after step 1
          if (e.step === 1 && e.status === "done" && !undone) {
            undone = true;
            await k.ethers.provider.send("evm_revert", [snapshot]);
          }
        },
      }),
    );
    expect(events.filter((e) => e.status === "reorged").map((e) => e.step)).to.deep.equal([1]);
    expect(await k.contracts.dvp.stateOf(terms.id)).to.equal(3n); // Settled
    // each step 1 (the first, and the second after the lock was lost) asks canTransfer itself
    const canTransfer = k.contracts.bond.interface.getFunction("canTransfer")!.selector.slice(2);
    const steps1 = seen.filter((r) => r.step === "1 started");
    expect(
      steps1.filter((r) => r.method === "eth_call" && callData(r).includes(canTransfer)),
    ).to.have.length(2);
  });
});
