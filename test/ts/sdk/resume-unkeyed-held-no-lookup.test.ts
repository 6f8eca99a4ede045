/**
 * A node-managed send without a key whose answer was lost (its request reached the node, which
 * holds it pending, cheaply priced), taken up after a restart by a process with a later send
 * above it, on a node without `eth_getTransactionBySenderAndNonce`: the pending count cannot tell
 * whether the node holds the nonce (the later send may be what it counts). A keyed send sends its
 * call again then (a same-call replacement does no harm); this one may not be sent again, so a
 * cancel would be what replaces the node's transaction: the call the node holds is dropped for a
 * zero-value self-transfer. It is taken as held: the node's transaction is mined and adopted.
 */
import { expect } from "chai";
import { toQuantity } from "ethers";
import { MemoryJournal, TxEngine } from "../../../packages/sdk/src/index.js";
import { TRANSIT_POLICY, forwardTo, lostEntry, nodeAccounts, outcome } from "./node-transit.js";

describe("sdk: an unkeyed lost send the node holds, no lookup by sender and nonce (anvil)", function () {
  this.timeout(30_000);
  const suite = nodeAccounts();

  it("is not cancelled under its pending transaction: the call is mined once, adopted", async function () {
    const anvil = suite.anvil();
    const account = await suite.account(15, (req) =>
      req.method === "eth_getTransactionBySenderAndNonce"
        ? { code: -32601, message: "the method does not exist" }
        : undefined,
    );
    const { signer, to, provider, n0 } = account;
    await anvil.rpc("evm_setAutomine", [false]);
    try {
      const journal = Object.assign(new MemoryJournal(), { durable: true });
      const entry = await lostEntry(account, "tx:5d6c7b8a-9e0f-4a1b-8c2d-3e4f5a6b7c8d:2", 5n);
      await journal.put({ ...entry, unkeyed: true });
      // the node holds the lost request, at the base fee and no tip (a new one outbids it)
      const base = (await provider.getBlock("latest"))!.baseFeePerGas!;
      const fees = { maxFeePerGas: toQuantity(base), maxPriorityFeePerGas: "0x0" };
      const request = {
        from: signer.address,
        to,
        value: "0x5",
        gas: "0x5208",
        nonce: toQuantity(n0),
      };
      await forwardTo(anvil, {
        id: 1,
        method: "eth_sendTransaction",
        params: [{ ...request, ...fees }],
      });

      const engine = new TxEngine(signer, { journal, policy: TRANSIT_POLICY });
      const later = outcome(engine.send({ to, value: 7n }, { key: "later" }));
      await new Promise((r) => setTimeout(r, 4 * (TRANSIT_POLICY.gapFillMs ?? 0)));
      await anvil.rpc("evm_setAutomine", [true]);
      await anvil.mine();
      const r = await later;
      if (r instanceof Error) throw r;
      await engine.settled();
      expect(await provider.getBalance(to), "both calls executed").to.equal(12n);
      expect((await journal.get(entry.key))?.state).to.equal("confirmed");
    } finally {
      await anvil.rpc("evm_setAutomine", [true]);
    }
  });
});
