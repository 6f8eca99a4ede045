/**
 * readBatch (context/readBatch.ts): many reads in one deployless `eth_call` per chunk, each
 * chunk under the code size limit the node applies to the answers, the same answers as reading
 * one by one, and a refused call reported as such. Against a `hardhat node` started here.
 */
import { expect } from "chai";
import { keccak256, toUtf8Bytes, type JsonRpcProvider } from "ethers";
import { connect, type KessaiAddresses } from "../../../packages/sdk/src/index.js";
import { readBatch } from "../../../packages/sdk/src/context/readBatch.js";
import { deployOverRpc, rpcProvider, startHardhatNode, type HardhatNode } from "./hardhat-node.js";

describe("readBatch against a hardhat node", function () {
  this.timeout(120_000);
  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let addresses: KessaiAddresses;
  before(async function () {
    node = await startHardhatNode();
    provider = rpcProvider(node.url);
    addresses = await deployOverRpc(provider, { deployer: 0, issuer: 1, bank: 2, agent: 3 });
  });
  after(async function () {
    provider?.destroy();
    await node?.stop();
  });

  it("answers 250 settlementOf in 3 requests, as read one by one; a refused call is not ok", async function () {
    const ctx = await connect({ runner: provider, addresses });
    const dvp = ctx.dvp;
    const ids = Array.from({ length: 250 }, (_, i) => keccak256(toUtf8Bytes(`id-${i}`)));
    const calls = ids.map((id) => dvp.interface.encodeFunctionData("settlementOf", [id]));
    calls[7] = "0xdeadbeef"; // no such function: the DVP reverts
    const sent: string[] = [];
    const p = provider as unknown as { _send: (payload: unknown) => Promise<unknown> };
    const original = p._send.bind(provider);
    p._send = (payload) => {
      for (const x of [payload].flat() as { method: string }[]) sent.push(x.method);
      return original(payload);
    };
    let answers;
    try {
      answers = await readBatch(ctx, addresses.dvp, calls, { answerBytes: 160 });
    } finally {
      p._send = original;
    }
    expect(sent).to.deep.equal(["eth_call", "eth_call", "eth_call"]);
    expect(answers).to.have.length(250);
    expect(answers!.map((a) => a.ok)).to.deep.equal(calls.map((_, i) => i !== 7));
    for (const i of [0, 92, 93, 249]) {
      const one = await provider.call({ to: addresses.dvp, data: calls[i] });
      expect(answers![i].data, `answer ${i}`).to.equal(one);
    }
  });
});
