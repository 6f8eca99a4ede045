/**
 * What settleTrade asks the node, per trade: the reads before each step are one request (the
 * settlement's state and what the step needs, `readViews`), the checks before step 1 read the
 * block time and the trade's eligibility once and step 1 uses them (createSettlement does not
 * read them again). In-process, counted on the network's EIP-1193 provider.
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

  it("one request of reads before each step; the block time and the trade's checks read once", async function () {
    // a first trade reads what a client keeps (DCJPY's EIP-712 domain, the chain ID)
    await settleTrade({ ...party(), terms: await k.newTerms() });
    const terms = await k.newTerms();
    const seen = await recorded(k, (onProgress) => settleTrade({ ...party(), terms, onProgress }));
    if (process.env.KESSAI_PRINT_REQUESTS)
      for (const r of seen) console.log(r.step, r.method, callData(r).slice(0, 10));
    const inStep = (s: string) => seen.filter((r) => r.step === s);
    // the checks before step 1: the block time and one eth_call for everything else
    expect(
      inStep("checks")
        .map((r) => r.method)
        .sort(),
    ).to.deep.equal(["eth_call", "eth_getBlockByNumber"]);
    expect(inStep("checks").filter(isBatch)).to.have.length(1);
    // step 1 sends the lock without reading the clock or the trade's checks again
    const step1 = inStep("1 started");
    expect(step1.filter((r) => r.method === "eth_call")).to.deep.equal([]);
    const clockReads = seen.filter(
      (r) => r.method === "eth_getBlockByNumber" && (r.params?.[1] as boolean) === false,
    );
    expect(clockReads.filter((r) => r.step === "checks" || r.step === "1 started")).to.have.length(
      1,
    );
    // the security token's canTransfer is asked once, inside the checks' batch
    const canTransfer = k.contracts.bond.interface.getFunction("canTransfer")!.selector.slice(2);
    const asking = seen.filter((r) => r.method === "eth_call" && callData(r).includes(canTransfer));
    expect(asking.map((r) => r.step)).to.deep.equal(["checks"]);
    // before steps 2 (the state alone), 3, 6, 7 and after 7 (state and reference): one eth_call each
    const reads = seen.filter((r) => isRead(r) || isBatch(r));
    expect(reads.map((r) => `${r.step}${isBatch(r) ? " batch" : ""}`)).to.deep.equal([
      "checks batch",
      "1 done",
      "2 done batch",
      "5 skipped batch",
      "6 done batch",
      "7 done batch",
    ]);
  });

  it("a pass after step 1 was undone reads the block time and the checks afresh", async function () {
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
    // the second step 1: createSettlement reads the block time and the trade's checks itself
    const canTransfer = k.contracts.bond.interface.getFunction("canTransfer")!.selector.slice(2);
    // (the first step 1 reads nothing: see the test above)
    const second = seen.filter((r) => r.step === "1 started");
    expect(
      second.filter((r) => r.method === "eth_call" && callData(r).includes(canTransfer)),
    ).to.have.length(1);
  });
});
