/**
 * A node-managed account's send whose fees were never learnt (node-send-fees.test.ts: they are
 * read from the transaction when the watch needs them) and whose transaction the node still holds
 * but does not show by hash (a read served by another node behind a load balancer, a node that
 * serves no pending transaction by hash). Its replacement starts from the market's fees; the node
 * refuses one that does not raise the original's real fees enough, and the next one must pay more
 * than the refused one, or every look sends the same refused replacement until the deadline.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { TxEngine, type TxEvent } from "../../../packages/sdk/src/index.js";

interface Request {
  method: string;
  params?: unknown[];
}

interface RpcFees {
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
}

/**
 * A fresh network, automine off, whose node holds the first transaction sent by
 * `eth_sendTransaction` but answers null to its read by hash; every `eth_sendTransaction` is
 * counted (refused ones too).
 */
async function hidingNode() {
  const conn = await network.create();
  const { ethers } = conn;
  const [, sender, to] = await ethers.getSigners();
  const p = conn.provider as unknown as { request: (a: Request) => Promise<unknown> };
  const original = p.request;
  await original.call(p, { method: "evm_setAutomine", params: [false] });
  let hidden: string | undefined;
  let held: RpcFees | undefined;
  let sends = 0;
  p.request = async function (a) {
    if (a.method === "eth_getTransactionByHash" && hidden !== undefined)
      if (String(a.params?.[0]).toLowerCase() === hidden) return null;
    if (a.method !== "eth_sendTransaction") return original.call(this, a);
    sends++;
    const hash = (await original.call(this, a)) as string;
    if (hidden === undefined) {
      hidden = hash.toLowerCase();
      // the fees the node chose, as it holds the transaction
      held = (await original.call(this, {
        method: "eth_getTransactionByHash",
        params: [hash],
      })) as RpcFees;
    }
    return hash;
  };
  const mine = () => original.call(p, { method: "evm_mine" });
  return { ethers, sender, to, sends: () => sends, mine, held: () => held! };
}

describe("sdk: a node-managed send whose fees were never learnt", function () {
  it("held by the node, not shown by hash: a replacement refused as underpriced is followed by one that pays more", async function () {
    const { ethers, sender, to, sends, mine, held } = await hidingNode();
    const engine = new TxEngine(sender, {
      policy: { pollIntervalMs: 20, stallCheckMs: 50, gapFillMs: 50, timeoutMs: 4_000 },
    });
    const events: TxEvent[] = [];
    const r = await engine.send(
      { to: to.address, value: 1n },
      {
        onEvent: (e) => {
          events.push(e);
          if (e.type === "replaced") void mine();
        },
      },
    );
    const submitted = events.find((e) => e.type === "submitted")!;
    const replaced = events.filter((e) => e.type === "replaced");
    expect(replaced).to.have.length(1);
    expect(r.hash).to.equal(replaced[0].hash);
    // one refused at the market's fees, then one above it
    expect(sends()).to.equal(3);
    expect(replaced[0].previous).to.equal(submitted.hash);
    // the one that landed raises the fees the node chose by the node's minimum bump (10 %)
    const mined = (await ethers.provider.getTransaction(r.hash))!;
    expect(mined.nonce).to.equal(0);
    expect(mined.maxFeePerGas! * 10n >= BigInt(held().maxFeePerGas) * 11n).to.equal(true);
    expect(mined.maxPriorityFeePerGas! * 10n >= BigInt(held().maxPriorityFeePerGas) * 11n).to.equal(
      true,
    );
    expect(await ethers.provider.getTransactionCount(sender.address)).to.equal(1);
  });
});
