/**
 * A node-managed send whose first `eth_sendTransaction` was lost in transit (geth's `-32002
 * request timed out`: its handler runs on, waiting for an external signer say) and whose resend on
 * the nonce the node refuses ("Request denied"): the refusal says nothing of the first request,
 * which may still reach the pool and be mined. The key's retry must not send the call a second
 * time: it finds the first request's transaction on the nonce (or the nonce cancelled), and the
 * call is executed once.
 */
import { expect } from "chai";
import {
  MemoryJournal,
  TransactionFailedError,
  TransactionReplacedError,
  TxEngine,
  type JournalEntry,
  type TxResult,
} from "../../../packages/sdk/src/index.js";
import type { RpcRequest } from "./anvil.js";
import { TIMED_OUT, TRANSIT_POLICY, forwardTo, nodeAccounts, outcome } from "./node-transit.js";

describe("sdk: a node-managed send refused on its resend while its first request lands late (anvil)", function () {
  this.timeout(30_000);
  const suite = nodeAccounts();

  it("the key's retry does not execute the call twice", async function () {
    let held: RpcRequest | undefined;
    let landed: Promise<unknown> | undefined;
    // the first request's handler finishes: the node takes it (once)
    const land = () => (landed ??= forwardTo(suite.anvil(), held!));
    const sends: { nonce: number; value: bigint }[] = [];
    const { signer, n0, to, provider } = await suite.account(10, async (req) => {
      if (req.method !== "eth_sendTransaction") return undefined;
      const p = req.params[0] as { nonce?: string; value?: string };
      sends.push({ nonce: Number(p.nonce), value: BigInt(p.value ?? 0) });
      if (sends.length === 1) {
        held = req;
        return TIMED_OUT;
      }
      if (sends.length === 2) return { code: -32000, message: "Request denied" };
      // anything sent on the nonce after the refusal (a cancel) meets the first request there
      await land();
      return undefined;
    });
    const engine = new TxEngine(signer, { policy: TRANSIT_POLICY, journal: new MemoryJournal() });

    const refused = await outcome(engine.send({ to, value: 2n }, { key: "late" }));
    expect(refused, "the resend's refusal").to.be.instanceOf(Error);
    expect(sends.slice(0, 2).map((s) => s.nonce)).to.deep.equal([n0, n0]);
    await land();
    expect(await provider.getBalance(to), "the first request was mined").to.equal(2n);

    // the caller retries the key until it has an outcome (a cancelled nonce is one to retry)
    let r: TxResult | Error = new Error("not retried");
    for (let i = 0; i < 3; i++) {
      r = await outcome(engine.send({ to, value: 2n }, { key: "late" }));
      if (!(r instanceof TransactionReplacedError)) break;
    }
    expect(r, "the retry's outcome").not.to.be.instanceOf(Error);
    expect(await provider.getBalance(to), "executed once").to.equal(2n);
    expect((r as TxResult).nonce, "the first request's transaction").to.equal(n0);
  });

  /** A journal that refuses to record `state` (it is down when the send ends). */
  const refusing = (state: JournalEntry["state"]) =>
    new (class extends MemoryJournal {
      override put(e: JournalEntry): Promise<void> {
        if (e.state === state) return Promise.reject(new Error("journal unavailable"));
        return super.put(e);
      }
    })();

  it("a journal refusing the entry's abandoned state: the caller still gets the node's refusal", async function () {
    let n = 0;
    const { signer, to, provider } = await suite.account(11, (req) => {
      if (req.method !== "eth_sendTransaction") return undefined;
      n++;
      if (n === 1) return TIMED_OUT; // never reached the node
      return n === 2 ? { code: -32000, message: "Request denied" } : undefined;
    });
    const engine = new TxEngine(signer, { policy: TRANSIT_POLICY, journal: refusing("abandoned") });
    const refused = await outcome(engine.send({ to, value: 2n }, { key: "journal-down" }));
    expect((refused as Error).message, "not the journal's error").not.to.match(/journal/);
    expect(refused, "the node's refusal, typed").to.be.instanceOf(TransactionFailedError);
    expect(await provider.getBalance(to)).to.equal(0n);
  });

  it("a journal refusing the entry's replaced state: the caller still gets TransactionReplacedError", async function () {
    let n = 0;
    let other: Promise<unknown> | undefined;
    const { signer, n0, to } = await suite.account(13, (req) => {
      if (req.method !== "eth_sendTransaction" || ++n > 1) return undefined;
      // lost in transit; another call of the account's takes the nonce meanwhile
      const tx = req.params[0] as Record<string, unknown>;
      other = forwardTo(suite.anvil(), { ...req, params: [{ ...tx, value: "0x9" }] });
      return TIMED_OUT;
    });
    const engine = new TxEngine(signer, { policy: TRANSIT_POLICY, journal: refusing("replaced") });
    const replaced = await outcome(engine.send({ to, value: 2n }, { key: "journal-down" }));
    await other;
    expect((replaced as Error).message, "not the journal's error").not.to.match(/journal/);
    expect(replaced).to.be.instanceOf(TransactionReplacedError);
    const err = replaced as TransactionReplacedError;
    expect([err.reason, err.nonce]).to.deep.equal(["replaced", n0]);
  });
});
