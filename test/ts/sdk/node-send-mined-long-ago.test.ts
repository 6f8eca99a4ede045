/**
 * A send's nonce used by none of its known transactions: the engine looks for what used it. The
 * send's own transaction may be that one, unknown to the engine: here a node-managed send whose
 * `eth_sendTransaction` reached the node (mined) while its answer was lost, and the process
 * stopped before it looked. Taken up again from the journal more than `replacementScanBlocks`
 * blocks later, the engine scanned that many blocks, found nothing, and reported the send replaced
 * by another transaction; the retry that error invites sent the call a second time. The engine
 * now asks the node for the account's transaction on the nonce, else finds the block where the
 * account's count passed it; when the node can tell neither and the scan does not reach the send,
 * the outcome is unknown (`SendOutcomeUnknownError`), never "replaced", and a retry of the key
 * looks again instead of sending. Against anvil.
 */
import { expect } from "chai";
import { toQuantity } from "ethers";
import {
  MemoryJournal,
  SendAbortedError,
  SendOutcomeUnknownError,
  TxEngine,
} from "../../../packages/sdk/src/index.js";
import type { RpcRequest } from "./anvil.js";
import {
  TIMED_OUT,
  TRANSIT_POLICY as POLICY,
  forwardTo,
  nodeAccounts,
  outcome,
} from "./node-transit.js";

/** The node has no `eth_getTransactionBySenderAndNonce`. */
const NO_METHOD = { code: -32601, message: "the method does not exist" };
/** A node that keeps no state of old blocks (geth's full node). */
const PRUNED = { code: -32000, message: "missing trie node" };
/** Blocks mined between the lost send and the process taken up again: more than the scan's. */
const LATER = 300;
const policy = { ...POLICY, replacementScanBlocks: 16 };

describe("sdk: a node-managed send mined long before the look at its nonce (anvil)", function () {
  this.timeout(30_000);
  const suite = nodeAccounts();

  /**
   * Account `index` sends `value` under key "pay": the node mines it, its answer is lost and the
   * process stops at once; `LATER` blocks on, a new engine on the same journal is retried with
   * the key twice (as a failed send invites). `refuse` names the node's reads that fail: the
   * lookup by sender and nonce, the counts at past blocks (all of them, or those below the head
   * the first process had seen when it sent: it watched other sends before).
   */
  async function lostLongAgo(
    index: number,
    value: bigint,
    refuse: { byNonce?: boolean; history?: "all" | "before-send" },
  ) {
    const sent: RpcRequest[] = [];
    const stop = new AbortController();
    let oldest = refuse.history === "all" ? Infinity : -1; // counts refused below it
    const account = await suite.account(index, async (req) => {
      if (refuse.byNonce && req.method === "eth_getTransactionBySenderAndNonce") return NO_METHOD;
      const tag = req.params[1];
      if (
        req.method === "eth_getTransactionCount" &&
        /^0x/.test(String(tag)) &&
        Number(tag) < oldest
      )
        return PRUNED;
      if (req.method !== "eth_sendTransaction") return undefined;
      sent.push(req);
      await forwardTo(suite.anvil(), req); // the node signs and mines it
      stop.abort(); // the process stops before it looks
      return TIMED_OUT; // and the answer is lost
    });
    const { signer, to } = account;
    const journal = new MemoryJournal();
    const first = new TxEngine(signer, { journal, policy });
    if (refuse.history === "before-send") oldest = (await first.heads.current()).number;
    const stopped = await outcome(first.send({ to, value }, { key: "pay", signal: stop.signal }));
    expect(stopped).to.be.instanceOf(SendAbortedError);
    await suite.anvil().rpc("anvil_mine", [toQuantity(LATER)]);
    expect(await account.provider.getBalance(to)).to.equal(value);

    const engine = new TxEngine(signer, { journal, policy }); // the process restarted
    const retry = () => outcome(engine.send({ to, value }, { key: "pay" }));
    const startBlock = (await journal.get("pay"))!.startBlock;
    const retries = [await retry(), await retry()];
    return { ...account, sent, journal, retries, startBlock, oldest };
  }

  it("the node looks up the account's transaction on the nonce: the retry resolves with it, the call made once", async function () {
    const { sent, retries, provider, to, n0, signer } = await lostLongAgo(42, 11n, {
      history: "all",
    });
    for (const r of retries) if (r instanceof Error) throw r;
    const [r, again] = retries as Exclude<(typeof retries)[number], Error>[];
    const mined = await provider.getTransaction(r.hash);
    expect([r.nonce, r.receipt.status, again.hash]).to.deep.equal([n0, 1, r.hash]);
    expect(mined?.nonce).to.equal(n0);
    expect(sent, "eth_sendTransaction requests").to.have.length(1);
    expect(await provider.getBalance(to)).to.equal(11n);
    expect(await provider.getTransactionCount(signer.address, "latest")).to.equal(n0 + 1);
  });

  it("no lookup by sender and nonce: found in the block where the account's count passed the nonce", async function () {
    const { sent, retries, provider, to, n0, signer } = await lostLongAgo(43, 12n, {
      byNonce: true,
    });
    const [r] = retries;
    if (r instanceof Error) throw r;
    expect(r.nonce).to.equal(n0);
    expect((await provider.getTransaction(r.hash))?.nonce).to.equal(n0);
    expect(sent, "eth_sendTransaction requests").to.have.length(1);
    expect(await provider.getBalance(to)).to.equal(12n);
    expect(await provider.getTransactionCount(signer.address, "latest")).to.equal(n0 + 1);
  });

  it("the node keeps no state from before the send: the bisection starts at the head journaled when it was sent", async function () {
    const { sent, retries, provider, to, n0, startBlock, oldest } = await lostLongAgo(45, 14n, {
      byNonce: true,
      history: "before-send",
    });
    expect(startBlock, "the head seen before the send, journaled").to.equal(oldest);
    for (const r of retries) {
      if (r instanceof Error) throw r;
      expect(r.nonce).to.equal(n0);
    }
    expect(sent, "eth_sendTransaction requests").to.have.length(1);
    expect(await provider.getBalance(to)).to.equal(14n);
  });

  it("the node can tell nothing and the scan does not reach the send: outcome unknown, the retry looks again, nothing sent", async function () {
    const { sent, retries, provider, to, n0, signer, journal } = await lostLongAgo(44, 13n, {
      byNonce: true,
      history: "all",
    });
    for (const e of retries) {
      expect(e).to.be.instanceOf(SendOutcomeUnknownError);
      const u = e as SendOutcomeUnknownError;
      expect([u.key, u.nonce, u.account, u.hashes]).to.deep.equal(["pay", n0, signer.address, []]);
    }
    const entry = (await journal.get("pay"))!;
    expect([entry.state, entry.nonce]).to.deep.equal(["abandoned", n0]);
    expect(sent, "eth_sendTransaction requests").to.have.length(1);
    expect(await provider.getBalance(to)).to.equal(13n);
    expect(await provider.getTransactionCount(signer.address, "latest")).to.equal(n0 + 1);
  });
});
