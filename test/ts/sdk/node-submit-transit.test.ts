/**
 * `submit` (a `QueuedSigner`'s `sendTransaction`) of a node-managed account whose
 * `eth_sendTransaction` fails in transit: there is no transaction to return, and the node may have
 * taken it. The caller gets a typed error naming the nonce, which stays held (the next send does
 * not get it): cancelled with a zero-value self-transfer unless the node has the transaction.
 */
import { expect } from "chai";
import { QueuedSigner, SendInTransitError } from "../../../packages/sdk/src/index.js";
import { TIMED_OUT, TRANSIT_POLICY, forwardTo, nodeAccounts, outcome } from "./node-transit.js";

describe("sdk: submit of a node-managed account, its eth_sendTransaction lost in transit (anvil)", function () {
  this.timeout(30_000);
  const suite = nodeAccounts();

  for (const [i, reached] of [false, true].entries())
    it(`${reached ? "reached the node" : "never reached the node"}: a typed error naming the held nonce, ${reached ? "the transaction mined on it" : "the nonce cancelled"}`, async function () {
      const sends: { nonce: number; value: bigint }[] = [];
      let forwarded: Promise<unknown> | undefined;
      const { signer, n0, to, provider } = await suite.account(50 + i, (req) => {
        if (req.method !== "eth_sendTransaction") return undefined;
        const tx = req.params[0] as { nonce?: string; value?: string };
        sends.push({ nonce: Number(tx.nonce), value: BigInt(tx.value ?? 0) });
        if (sends.length > 1) return undefined;
        if (reached) forwarded = forwardTo(suite.anvil(), req);
        return TIMED_OUT;
      });
      const queued = new QueuedSigner(signer, { policy: TRANSIT_POLICY });

      const lost = await outcome(queued.sendTransaction({ to, value: 2n }));
      await forwarded;
      expect(lost, "submit's outcome").to.be.instanceOf(SendInTransitError);
      const err = lost as SendInTransitError;
      expect([err.nonce, err.phase, err.hashes]).to.deep.equal([n0, "pending", []]);

      // the next send does not get the nonce
      const next = await queued.engine.send({ to, value: 3n });
      expect(next.nonce, "the held nonce is not handed on").to.equal(n0 + 1);
      const end = Date.now() + 5_000;
      while ((await provider.getTransactionCount(signer.address, "latest")) < n0 + 2) {
        if (Date.now() > end) throw new Error("nonce n0 never mined");
        await new Promise((r) => setTimeout(r, 20));
      }
      const zero = sends.filter((x) => x.value === 0n).map((x) => x.nonce);
      expect(zero, "zero-value self-transfers").to.deep.equal(reached ? [] : [n0]);
      expect(await provider.getBalance(to)).to.equal(reached ? 5n : 3n);
    });
});
