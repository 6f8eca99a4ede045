/**
 * A node-managed send whose first `eth_sendTransaction` was lost in transit is sent again on its
 * nonce after `gapFillMs`. When the node refuses that second request (a locked account, a fee
 * above its cap), the caller gets the node's refusal, typed as a first send's refusal is, at once
 * (not a `SendTimeoutError` at the deadline); the nonce is free again for the next send, and the
 * key may be sent afresh.
 */
import { expect } from "chai";
import {
  MemoryJournal,
  TransactionFailedError,
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
    it(`${what}: the node's refusal, typed, before the deadline; the nonce free again`, async function () {
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
      expect(sends, "eth_sendTransaction nonces").to.deep.equal([n0, n0, n0]);
      const [a, b] = [first as TransactionFailedError, resent as TransactionFailedError];
      expect(b.constructor, "the same mapping as a first send's").to.equal(a.constructor);
      expect(b.shortMessage).to.equal(a.shortMessage);
      const node = (b.cause as { error?: { code?: number; message?: string } }).error;
      expect([node?.code, node?.message], "the node's own error").to.deep.equal([code, message]);
      expect(ms, "refused at once, not at the deadline").to.be.below(TIMEOUT_MS / 2);
      // nothing was sent; the key's entry holds no nonce: a retry sends it afresh
      const entry = await journal.get("refused-resend");
      expect(entry?.state).to.equal("intent");
      expect(entry?.nonce).to.equal(undefined);
      expect(await provider.getBalance(to)).to.equal(0n);

      // the nonce is free again: the next send (and the key's retry) take it and the next one
      const next = await engine.send({ to, value: 3n });
      const retried = await engine.send({ to, value: 2n }, { key: "refused-resend" });
      expect([next.nonce, retried.nonce]).to.deep.equal([n0, n0 + 1]);
      expect(await provider.getBalance(to)).to.equal(5n);
      expect(await provider.getTransactionCount(signer.address, "latest")).to.equal(n0 + 2);
      this.test!.title += ` (${ms} ms)`;
    });
  });
});
