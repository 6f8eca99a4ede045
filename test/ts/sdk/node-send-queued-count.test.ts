/**
 * A node-managed send whose `eth_sendTransaction` was lost in transit, with a later send of this
 * process above it, on a node whose `pending` transaction count includes queued (future-nonce)
 * transactions: the count is above the lost nonce although nothing holds it. The send must look at
 * the nonce itself, find it free and send the call again on it (not wait for the count to come
 * down, which it never does), and the later send goes through behind it. A lost send given up
 * has its nonce cancelled (a zero-value self-transfer) unless the node holds a transaction on it,
 * by the same look; a later send stuck behind a nonce nothing holds fills it.
 */
import { expect } from "chai";
import { SendTimeoutError, TxEngine } from "../../../packages/sdk/src/index.js";
import type { RpcRequest } from "./anvil.js";
import { TIMED_OUT, TRANSIT_POLICY, forwardTo, nodeAccounts, outcome } from "./node-transit.js";

/** The sends' deadline: the sends that succeed must be done well before it. */
const TIMEOUT_MS = 6_000;

describe("sdk: a lost node-managed send under a later one, the pending count counting queued (anvil)", function () {
  this.timeout(30_000);
  const suite = nodeAccounts();

  /**
   * Anvil's account `index` behind a node whose pending count includes queued transactions; every
   * `eth_sendTransaction` is listed, and the ones `lose` names (by their place) never reach the
   * node. `bySenderAndNonce: false`: the node has no `eth_getTransactionBySenderAndNonce`.
   */
  async function queuedCounting(index: number, lose: number[], bySenderAndNonce = true) {
    const sends: { nonce: number; value: bigint }[] = [];
    /** Highest nonce of the account the node was given, as such a node counts it. */
    let highest = -1;
    const account = await suite.account(index, async (req: RpcRequest) => {
      if (req.method === "eth_getTransactionBySenderAndNonce" && !bySenderAndNonce)
        return {
          code: -32601,
          message: "the method eth_getTransactionBySenderAndNonce does not exist",
        };
      if (req.method === "eth_sendTransaction") {
        const tx = req.params[0] as { nonce?: string; value?: string };
        const nonce = Number(tx.nonce);
        sends.push({ nonce, value: BigInt(tx.value ?? 0) });
        if (lose.includes(sends.length - 1)) return TIMED_OUT;
        highest = Math.max(highest, nonce);
        return undefined;
      }
      if (req.method === "eth_getTransactionCount" && req.params[1] === "pending") {
        const { result } = (await forwardTo(suite.anvil(), req)) as { result: string };
        return { result: `0x${Math.max(Number(result), highest + 1).toString(16)}` };
      }
      return undefined;
    });
    const engine = new TxEngine(account.signer, {
      policy: { ...TRANSIT_POLICY, timeoutMs: TIMEOUT_MS },
    });
    return { ...account, sends, engine };
  }

  for (const [i, bySenderAndNonce] of [true, false].entries())
    it(`sends the lost call again on its nonce, executed once; the later send goes through (${bySenderAndNonce ? "the node finds a transaction by nonce" : "no eth_getTransactionBySenderAndNonce"})`, async function () {
      const { signer, n0, to, provider, sends, engine } = await queuedCounting(
        46 + i,
        [0],
        bySenderAndNonce,
      );
      const t0 = Date.now();
      const a = outcome(engine.send({ to, value: 2n }, { key: "lost-below" }));
      const b = outcome(engine.send({ to, value: 3n }, { key: "queued-above" }));
      const [ra, rb] = await Promise.all([a, b]);
      const ms = Date.now() - t0;

      if (ra instanceof Error) throw ra;
      if (rb instanceof Error) throw rb;
      expect([ra.nonce, rb.nonce]).to.deep.equal([n0, n0 + 1]);
      expect(
        sends.map((x) => x.nonce),
        "eth_sendTransaction nonces",
      ).to.deep.equal([n0, n0 + 1, n0]);
      expect(await provider.getBalance(to), "each executed once").to.equal(5n);
      expect(await provider.getTransactionCount(signer.address, "latest")).to.equal(n0 + 2);
      expect(ms).to.be.below(TIMEOUT_MS / 2);
      this.test!.title += ` (${ms} ms)`;
    });

  for (const [i, fillerLost] of [false, true].entries())
    it(`a lost send given up: its nonce filled ${fillerLost ? "by the later send (the cancel's filler lost too)" : "at once"}, the later send goes through`, async function () {
      const lose = fillerLost ? [0, 2] : [0];
      const { signer, n0, to, provider, sends, engine } = await queuedCounting(48 + i, lose);
      const t0 = Date.now();
      // A's request never reaches the node; its caller gives up before it is sent again
      const a = outcome(
        engine.send({ to, value: 2n }, { key: "given-up", gapFillMs: 5_000, timeoutMs: 300 }),
      );
      const b = outcome(engine.send({ to, value: 3n }, { key: "behind-it" }));
      const [ra, rb] = await Promise.all([a, b]);
      const ms = Date.now() - t0;

      expect(ra, "A's outcome").to.be.instanceOf(SendTimeoutError);
      if (rb instanceof Error) throw rb;
      expect(rb.nonce).to.equal(n0 + 1);
      const fillers = sends.filter((x) => x.value === 0n).map((x) => x.nonce);
      expect(fillers, "zero-value self-transfers").to.deep.equal(fillerLost ? [n0, n0] : [n0]);
      expect(await provider.getBalance(to), "A never made").to.equal(3n);
      expect(await provider.getTransactionCount(signer.address, "latest")).to.equal(n0 + 2);
      expect(ms).to.be.below(TIMEOUT_MS / 2);
      this.test!.title += ` (${ms} ms)`;
    });
});
