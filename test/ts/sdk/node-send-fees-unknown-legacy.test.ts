/**
 * node-send-fees-unknown.test.ts on a chain of legacy fees (anvil, `--hardfork berlin`: gas price
 * only, no base fee). A node-managed send's fees were never learnt and the node does not show its
 * transaction by hash. Its replacement started from the market's gas price, which is what the
 * node had chosen for the original: the same fields, the same transaction, which the node takes
 * again (or calls known) and nothing replaced it; every look sent it again until the deadline. A
 * replacement must pay more than what was last sent or refused.
 */
import { expect } from "chai";
import { TxEngine, type TxEvent } from "../../../packages/sdk/src/index.js";
import { startAnvil, type Anvil, type RpcAnswer } from "./anvil.js";
import { forwardTo, nodeAccount, type NodeAccount } from "./node-transit.js";

describe("sdk: a node-managed send whose fees were never learnt, legacy fees (anvil)", function () {
  this.timeout(30_000);
  let anvil: Anvil;
  let account: NodeAccount | undefined;

  before(async function () {
    anvil = await startAnvil({ noMining: true, hardfork: "berlin" });
  });
  after(async function () {
    await account?.close();
    await anvil?.stop();
  });

  /**
   * A send of 4 wei replaced on its nonce; `sameHash`: the node answers a request it already holds
   * with that transaction's hash instead of "already imported".
   */
  async function replacedOnce(index: number, sameHash: boolean) {
    let hidden: string | undefined;
    const sent: string[] = [];
    await account?.close();
    account = await nodeAccount(anvil, index, async (req) => {
      if (req.method === "eth_getTransactionByHash" && hidden !== undefined)
        if (String(req.params[0]).toLowerCase() === hidden) return { result: null };
      if (req.method !== "eth_sendTransaction") return undefined;
      sent.push(JSON.stringify(req.params[0]));
      // (anvil's berlin takes a request without fees for an EIP-1559 one: the node's own gas
      // price is filled in, as a node of a legacy chain chooses it)
      const tx = req.params[0] as { gasPrice?: string };
      tx.gasPrice ??= await anvil.rpc<string>("eth_gasPrice");
      const answer = (await forwardTo(anvil, req)) as RpcAnswer;
      if (sameHash && "error" in answer && hidden !== undefined) return { result: hidden };
      return answer;
    });
    const { signer, to, n0, provider } = account;
    const engine = new TxEngine(signer, {
      policy: {
        pollIntervalMs: 20,
        stallCheckMs: 50,
        gapFillMs: 50,
        bumpAfterMs: 200,
        timeoutMs: 4_000,
      },
    });
    const events: TxEvent[] = [];
    const started = Date.now();
    const r = await engine.send(
      { to, value: 4n },
      {
        onEvent: (e) => {
          events.push(e);
          if (e.type === "submitted") hidden = e.hash.toLowerCase();
          if (e.type === "replaced") void anvil.mine();
        },
      },
    );
    const took = Date.now() - started;

    const submitted = events.find((e) => e.type === "submitted")!;
    const replaced = events.filter((e) => e.type === "replaced");
    expect(replaced).to.have.length(1);
    expect(replaced[0].previous).to.equal(submitted.hash);
    expect(r.hash).to.equal(replaced[0].hash).and.not.equal(submitted.hash);
    expect(took).to.be.below(3_000);
    const original = await anvil.rpc<{ gasPrice: string } | null>("eth_getTransactionByHash", [
      submitted.hash,
    ]);
    expect(original, "replaced in the node's pool").to.equal(null);
    const mined = (await provider.getTransaction(r.hash))!;
    const price = BigInt(await anvil.rpc<string>("eth_gasPrice"));
    expect([mined.type, mined.nonce]).to.deep.equal([0, n0]);
    expect(mined.gasPrice > price, "above the node's own price").to.equal(true);
    // the original, the same again at the node's price (known to it), then one above it
    expect(sent, "eth_sendTransaction requests").to.have.length(3);
    expect(await provider.getBalance(to)).to.equal(4n);
    expect(await provider.getTransactionCount(signer.address, "latest")).to.equal(n0 + 1);
  }

  it("held by the node, not shown by hash: replaced at more than the node's own gas price, mined once", async function () {
    await replacedOnce(3, false);
  });

  it("the node answers the same request with the same hash: not taken for a replacement, the next pays more", async function () {
    await replacedOnce(4, true);
  });
});
