/**
 * The not-counted-pending replacement is a guess made after `gapFillMs`: a node whose pending
 * count lags its pool (a load balancer's backend without the transaction) looks the same as
 * anvil's held transaction. When the policy's fee ceiling forbids any replacement, that guess must
 * not end the send with FeeCeilingError while its transaction is healthy in the pool: the caller
 * would be told the call failed, and the transaction is then mined (the call executes, and a
 * retry under another key executes it twice).
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { TxEngine, type TxEvent, type TxPolicy } from "../../../packages/sdk/src/index.js";
import { startAnvil, type Anvil } from "./anvil.js";
import { FAST, key } from "./anvil-trades.js";
import { FaultyProvider } from "./faults.js";

const OTHER = "0x000000000000000000000000000000000000dEaD";
const MAX_FEE = 10_000_000_000n;
const TIP = 1_000_000_000n;

/** The trades' policy, its fee ceiling the send's own max fee (no replacement can be made). */
const POLICY: TxPolicy = { ...FAST, timeoutMs: 10_000, maxFeePerGas: MAX_FEE };

describe("a not-counted-pending transaction at the fee ceiling", function () {
  this.timeout(30_000);
  let anvil: Anvil;

  before(async function () {
    anvil = await startAnvil({ order: "fifo" });
  });
  after(async function () {
    await anvil?.stop();
  });

  it("is left to be mined, not failed with FeeCeilingError, on a node whose pending count lags", async function () {
    const provider = new FaultyProvider(anvil.url);
    const wallet = new Wallet(key(14), provider);
    const engine = new TxEngine(wallet, { policy: POLICY });
    await engine.send({ to: OTHER, value: 1n });
    await anvil.rpc("evm_setAutomine", [false]);
    provider.hook = (method, params) =>
      method === "eth_getTransactionCount" && params[1] === "pending"
        ? provider.send("eth_getTransactionCount", [params[0], "latest"])
        : undefined;
    const events: TxEvent[] = [];
    let error: unknown;
    const sent = engine
      .send(
        { to: OTHER, value: 2n, maxFeePerGas: MAX_FEE, maxPriorityFeePerGas: TIP },
        { onEvent: (e) => events.push(e) },
      )
      .catch((err: unknown) => {
        error = err;
      });
    try {
      // 20 x gapFillMs (100 ms): the not-counted look has been made
      await new Promise((r) => setTimeout(r, 2_000));
      expect((error as Error | undefined)?.name).to.equal(undefined);
      await anvil.mine();
      const r = await sent;
      expect(error).to.equal(undefined);
      expect(events.filter((e) => e.type === "replaced")).to.deep.equal([]);
      expect(r!.hash).to.equal(events[0].hash);
    } finally {
      await anvil.rpc("evm_setAutomine", [true]);
      provider.destroy();
    }
  });
});
