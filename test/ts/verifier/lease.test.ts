/**
 * Two instances of the service on one database (as two workers of a deployment), and a send that
 * takes many times the outbox lease: the cash ledger's node stops mining once the decision is
 * made, so the `pay` stays pending. The instance that claimed the decision keeps its claim alive
 * (a heartbeat every third of the lease) while its engine waits: the other instance, running its
 * rounds all along, never claims the item, and the settlement is paid and delivered once, one
 * attempt of each outbox item, one transaction per ledger. (Without the heartbeat the second
 * instance claims the item once the lease runs out: test/ts/storage/outbox-heartbeat.test.ts
 * shows that case at the outbox's level.)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { JsonRpcProvider, Wallet } from "ethers";
import { openSqliteStore, outbox, type Store } from "@kessai/storage";
import { Verifier } from "../../../packages/verifier/src/index.js";
import { nodeKey } from "../sdk/hardhat-node.js";
import {
  VERIFIER,
  contractsOf,
  instruct,
  lock,
  startTwoLedgers,
  termsFor,
  type TwoLedgers,
} from "./two-nodes.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const LEASE_MS = 300;

describe("verifier: two instances on one database, a send slower than the outbox lease", function () {
  this.timeout(120_000);
  let l: TwoLedgers;
  let dir: string;
  const providers: JsonRpcProvider[] = [];
  const stores: Store[] = [];
  const verifierAddress = new Wallet(nodeKey(VERIFIER)).address;

  before(async function () {
    this.timeout(180_000); // two anvil nodes: seconds when quiet, over 60 s at load 8-11
    l = await startTwoLedgers();
    dir = await mkdtemp(path.join(tmpdir(), "kessai-verifier-lease-"));
  });

  after(async function () {
    this.timeout(30_000);
    for (const s of stores) await s.close();
    for (const p of providers) p.destroy();
    await l?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** One instance: its own connection to the shared file, its own providers and engines. */
  async function instance(worker: string) {
    const provider = (url: string) => {
      const p = new JsonRpcProvider(url, undefined, {
        staticNetwork: true,
        pollingInterval: 20,
        cacheTimeout: -1,
      });
      providers.push(p);
      return p;
    };
    const store = await openSqliteStore({ filename: path.join(dir, "verifier.db") });
    stores.push(store);
    return Verifier.open({
      store,
      st: {
        sender: new Wallet(nodeKey(VERIFIER), provider(l.st.node.url)),
        contract: l.addr.delivery,
      },
      cash: {
        sender: new Wallet(nodeKey(VERIFIER), provider(l.cash.node.url)),
        contract: l.addr.payment,
      },
      attester: new Wallet(nodeKey(VERIFIER)),
      confirmations: 2,
      worker,
      leaseMs: LEASE_MS,
      // The engine waits up to 30 s for a send: 100 leases.
      txPolicy: { pollIntervalMs: 20, stallCheckMs: 200, timeoutMs: 30_000 },
      backoff: { initialDelayMs: 50, multiplier: 2, maxDelayMs: 200, jitter: 0 },
    });
  }

  it("the instance that claimed the decision keeps it while its pay is pending; the item is done once", async function () {
    const a = await instance("verifier-a");
    const b = await instance("verifier-b");
    // Each instance's first round takes up the journal's open sends: none yet.
    await a.tick();
    await b.tick();
    const nonces = async () => ({
      st: await l.st.provider.getTransactionCount(verifierAddress),
      cash: await l.cash.provider.getTransactionCount(verifierAddress),
    });
    const sent = await nonces();
    const terms = await termsFor(l, "lease T-1");
    await lock(l, terms);
    await instruct(l, terms);
    await l.st.node.mine();
    await l.cash.node.mine(); // both steps confirmed (k = 2)
    // The cash ledger stops mining: a `pay` broadcast now stays pending.
    await l.cash.provider.send("evm_setAutomine", [false]);
    let round: Promise<unknown> | undefined;
    let miner: ReturnType<typeof setInterval> | undefined;
    try {
      // Instance A records both steps, decides and sends `pay`; its round waits for it.
      round = a.tick();
      const c = await contractsOf(l, VERIFIER);
      for (let i = 0; ; i++) {
        const pending = await l.cash.provider.getTransactionCount(verifierAddress, "pending");
        if (pending > sent.cash) break;
        if (i > 500) expect.fail("pay was not broadcast");
        await sleep(20);
      }
      const item = await outbox.get(stores[0]!, { topic: "cash.decide", key: terms.id });
      expect(item).to.deep.include({ status: "claimed", leaseOwner: "verifier-a", attempts: 1 });
      // Instance B runs its rounds for five leases meanwhile: it never gets the item.
      const end = Date.now() + 5 * LEASE_MS;
      while (Date.now() < end) {
        await b.tick();
        await sleep(30);
      }
      const still = await outbox.get(stores[1]!, { topic: "cash.decide", key: terms.id });
      expect(still).to.deep.include({ status: "claimed", leaseOwner: "verifier-a", attempts: 1 });
      expect(await c.payment.stateOf(terms.id)).to.equal(1n); // Instructed: pay still pending

      // Blocks again on both ledgers: A's pay gets its confirmations and its round ends; the next
      // rounds (of either instance) relay the outcome.
      await l.cash.provider.send("evm_setAutomine", [true]);
      miner = setInterval(() => void l.mine().catch(() => undefined), 100);
      await round;
      for (let i = 0; (await c.delivery.stateOf(terms.id)) !== 2n; i++) {
        if (i > 200) expect.fail("not delivered");
        await a.tick();
        await b.tick();
        await sleep(20);
      }
    } finally {
      clearInterval(miner);
      await l.cash.provider.send("evm_setAutomine", [true]);
      await round?.catch(() => undefined);
    }
    // One transaction per ledger; each outbox item done by one attempt of one instance.
    expect(await nonces()).to.deep.equal({ st: sent.st + 1, cash: sent.cash + 1 });
    const decide = await outbox.get(stores[0]!, { topic: "cash.decide", key: terms.id });
    expect(decide).to.deep.include({ status: "done", attempts: 1 });
    const attempts = await outbox.attempts(stores[0]!, decide!.id);
    expect(attempts.map((x) => [x.attempt, x.worker, x.outcome])).to.deep.equal([
      [1, "verifier-a", "done"],
    ]);
    const relay = await outbox.get(stores[0]!, { topic: "st.relay", key: terms.id });
    expect(relay).to.deep.include({ status: "done", attempts: 1 });
  });
});
