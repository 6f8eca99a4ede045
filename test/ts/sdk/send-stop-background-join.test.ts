/**
 * A send resumed in the background (an open journal entry taken up on start, nobody waiting) that
 * a caller then joins with the same key: the background's own deadline must not stop the send
 * the caller still waits for (halted, it goes silent and the caller gets no typed outcome).
 */
import { expect } from "chai";
import { JsonRpcProvider, Transaction, Wallet, parseUnits } from "ethers";
import { MemoryJournal, TxEngine, type TxEvent } from "../../../packages/sdk/src/index.js";
import { startAnvil, type Anvil } from "./anvil.js";
import { key } from "./gas-fixture.js";
import { outcome } from "./node-transit.js";

const OTHER = "0x000000000000000000000000000000000000dEaD";

describe("sdk: a caller joining a send resumed in the background (anvil)", function () {
  this.timeout(30_000);
  let anvil: Anvil;
  let provider: JsonRpcProvider;

  before(async function () {
    anvil = await startAnvil({ noMining: true });
    provider = new JsonRpcProvider(anvil.url);
  });
  after(async function () {
    provider?.destroy();
    await anvil?.stop();
  });

  it("outlives the background's deadline: the caller gets the mined result", async function () {
    const wallet = new Wallet(key(41), provider);
    const n0 = await provider.getTransactionCount(wallet.address, "latest");
    const fee = { maxFeePerGas: parseUnits("10", "gwei"), maxPriorityFeePerGas: 1n };
    const tx = { to: OTHER, value: 3n, nonce: n0, gasLimit: 21_000n, chainId: 31337n, ...fee };
    const raw = await wallet.signTransaction(tx);
    await provider.send("eth_sendRawTransaction", [raw]); // in the pool, not mined
    const journal = new MemoryJournal();
    const txs = [{ hash: Transaction.from(raw).hash!, raw, maxFeePerGas: "10000000000" }];
    await journal.put({
      ...{ key: "bg", chainId: "31337", from: wallet.address, state: "signed", nonce: n0 },
      request: { to: OTHER, data: "0x", value: "3", gasLimit: "21000" },
      txs: [{ ...txs[0], maxPriorityFeePerGas: "1", at: Date.now() }],
      updatedAt: Date.now(),
    });
    // the background watch of the resumed entry gives up after 400 ms
    const policy = { pollIntervalMs: 20, bumpAfterMs: 60_000, timeoutMs: 400 };
    const engine = new TxEngine(wallet, { policy, journal });
    const seen: TxEvent[] = [];
    engine.on((e) => seen.push(e));
    await engine.resumeOpen();
    const joined = outcome(engine.send({ to: OTHER, value: 3n }, { key: "bg", timeoutMs: 10_000 }));
    await new Promise((r) => setTimeout(r, 800)); // past the background's deadline
    await anvil.mine();
    const r = await joined;
    expect(r, String(r)).to.not.be.instanceOf(Error);
    expect(seen.map((e) => e.type)).to.not.include("abandoned");
  });
});
