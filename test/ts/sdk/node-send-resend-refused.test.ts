/**
 * A node-managed send whose first `eth_sendTransaction` was lost in transit is sent again on its
 * nonce after `gapFillMs`. When the node refuses that second request (a locked account, a fee
 * above its cap), the caller gets the node's refusal, typed as a first send's refusal is, at once
 * (not a `SendTimeoutError` at the deadline). The first request may still reach the node: the
 * nonce is cancelled, and the key's entry keeps it (a retry finds it cancelled, then sends afresh).
 */
import { expect } from "chai";
import {
  MemoryJournal,
  TransactionFailedError,
  TransactionReplacedError,
  TxEngine,
} from "../../../packages/sdk/src/index.js";
import { TIMED_OUT, TRANSIT_POLICY, nodeAccounts, outcome } from "./node-transit.js";

const REFUSALS = [
  { what: "a locked account", code: -32000, message: "authentication needed: password or unlock" },
  {
    what: "a fee above the node's cap",
    code: -32000,
    message: "tx fee (1.20 ether) exceeds the configured cap (1.00 ether)",
  },
];
/** The send's deadline: the refusal must come well before it. */
const TIMEOUT_MS = 6_000;

describe("sdk: a node-managed send refused when sent again after a lost request (anvil)", function () {
  this.timeout(30_000);
  const suite = nodeAccounts();

  it("not sendable yet (nonce too high): sent again at a later look, executed once", async function () {
    const sends: number[] = [];
    const { signer, n0, to, provider } = await suite.account(43, (req) => {
      if (req.method !== "eth_sendTransaction") return undefined;
      sends.push(Number((req.params[0] as { nonce?: string }).nonce));
      if (sends.length === 1) return TIMED_OUT;
      return sends.length === 2 ? { code: -32000, message: "nonce too high" } : undefined;
    });
    const engine = new TxEngine(signer, { policy: TRANSIT_POLICY });
    const r = await engine.send({ to, value: 4n }, { key: "too-high" });
    expect(sends, "eth_sendTransaction nonces").to.deep.equal([n0, n0, n0]);
    expect(r.nonce).to.equal(n0);
    expect(await provider.getBalance(to)).to.equal(4n);
  });

  REFUSALS.forEach(({ what, code, message }, i) => {
    it(`${what}: the node's refusal, typed, before the deadline; the nonce cancelled`, async function () {
      const sends: number[] = [];
      let refusing = true;
      // the first refused outright; the second lost in transit; every other refused until told
      const { signer, n0, to, provider } = await suite.account(44 + i, (req) => {
        if (req.method !== "eth_sendTransaction") return undefined;
        sends.push(Number((req.params[0] as { nonce?: string }).nonce));
        if (sends.length === 2) return TIMED_OUT;
        return refusing ? { code, message } : undefined;
      });
      const journal = new MemoryJournal();
      const engine = new TxEngine(signer, {
        policy: { ...TRANSIT_POLICY, timeoutMs: TIMEOUT_MS },
        journal,
      });
      // what a first send's refusal gives
      const first = await outcome(engine.send({ to, value: 1n }, { key: "refused-first" }));
      expect(first, "a first send's refusal").to.be.instanceOf(TransactionFailedError);

      const t0 = Date.now();
      const resent = await outcome(engine.send({ to, value: 2n }, { key: "refused-resend" }));
      const ms = Date.now() - t0;
      refusing = false;
      expect(resent, "the resend's refusal").to.be.instanceOf(TransactionFailedError);
      // (then the cancel of the nonce, sent in the background)
      expect(sends.slice(0, 3), "eth_sendTransaction nonces").to.deep.equal([n0, n0, n0]);
      const [a, b] = [first as TransactionFailedError, resent as TransactionFailedError];
      expect(b.constructor, "the same mapping as a first send's").to.equal(a.constructor);
      expect(b.shortMessage).to.equal(a.shortMessage);
      const node = (b.cause as { error?: { code?: number; message?: string } }).error;
      expect([node?.code, node?.message], "the node's own error").to.deep.equal([code, message]);
      expect(ms, "refused at once, not at the deadline").to.be.below(TIMEOUT_MS / 2);
      // the first request may still be mined on the nonce: the entry keeps it, and it is cancelled
      const entry = await journal.get("refused-resend");
      expect([entry?.state, entry?.nonce]).to.deep.equal(["abandoned", n0]);
      expect(await provider.getBalance(to)).to.equal(0n);

      // the next send takes the nonce above; the key's retry finds its nonce cancelled, and the
      // retry after that sends the call afresh
      const next = await engine.send({ to, value: 3n });
      const cancelled = await outcome(engine.send({ to, value: 2n }, { key: "refused-resend" }));
      expect(cancelled).to.be.instanceOf(TransactionReplacedError);
      expect((cancelled as TransactionReplacedError).reason).to.equal("cancelled");
      expect((cancelled as TransactionReplacedError).nonce).to.equal(n0);
      const retried = await engine.send({ to, value: 2n }, { key: "refused-resend" });
      expect([next.nonce, retried.nonce]).to.deep.equal([n0 + 1, n0 + 2]);
      expect(await provider.getBalance(to)).to.equal(5n);
      expect(await provider.getTransactionCount(signer.address, "latest")).to.equal(n0 + 3);
      this.test!.title += ` (${ms} ms)`;
    });
  });
});
