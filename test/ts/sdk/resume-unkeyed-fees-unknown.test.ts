/**
 * A node-managed send without a key journals the hash the node returned and no fees (they are
 * learnt when the watch needs them). Taken up after a restart by a process whose node no longer
 * has the transaction (a node restarted meanwhile, its mempool gone), it cannot be re-broadcast
 * unchanged (its fees are not known), and nothing may be sent in its place (nobody waits for it):
 * its nonce is cancelled, as a lost request's is, rather than left empty under the process's next
 * sends until the entry's deadline.
 */
import { expect } from "chai";
import { hexlify, randomBytes } from "ethers";
import { MemoryJournal, TxEngine, type TxEvent } from "../../../packages/sdk/src/index.js";
import { TRANSIT_POLICY, lostEntry, nodeAccounts, outcome } from "./node-transit.js";

const DEADLINE_MS = 6_000;

describe("sdk: a node-managed send without a key, fees never learnt, gone from the node (anvil)", function () {
  this.timeout(30_000);
  const suite = nodeAccounts();

  it("has its nonce cancelled, and the next send is not held behind it", async function () {
    const values: bigint[] = [];
    const account = await suite.account(13, (req) => {
      if (req.method === "eth_sendTransaction")
        values.push(BigInt((req.params[0] as { value?: string }).value ?? 0));
      return undefined;
    });
    const journal = Object.assign(new MemoryJournal(), { durable: true });
    // the hash the node returned before it lost the transaction; no fees were read
    const gone = hexlify(randomBytes(32));
    const entry = await lostEntry(account, "tx:0b5e7d3c-1f2a-4c6b-8e9d-7a6b5c4d3e2f:4", 5n);
    await journal.put({ ...entry, unkeyed: true, txs: [{ hash: gone, at: Date.now() }] });

    const events: TxEvent[] = [];
    const engine = new TxEngine(account.signer, {
      journal,
      policy: { ...TRANSIT_POLICY, timeoutMs: DEADLINE_MS },
    });
    engine.on((e) => events.push(e));
    const t0 = Date.now();
    const next = await outcome(engine.send({ to: account.to, value: 7n }, { key: "after" }));
    const ms = Date.now() - t0;
    expect(next, "the next send").not.to.be.instanceOf(Error);
    expect(ms, "done well before the entry's deadline").to.be.below(DEADLINE_MS / 2);
    expect(values.includes(5n), "the call not sent again").to.equal(false);
    expect(await account.provider.getBalance(account.to)).to.equal(7n);
    await engine.settled();
    expect((await journal.get(entry.key))?.state).to.equal("replaced");
    expect(events.filter((e) => e.key === entry.key).map((e) => e.type)).to.include("resumed");
    this.test!.title += ` (${ms} ms)`;
  });
});
