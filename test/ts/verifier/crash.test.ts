/**
 * The verifier under kill -9, against two real nodes (two anvil processes: the ST ledger, chain
 * 31338, and the cash ledger, chain 31339, so the chains outlive the service), on an SQLite file
 * and on a PostgreSQL server. The service runs as a child process started from its JSON config as
 * `kessai verifier start` starts it (packages/verifier/test/crash-verifier.ts); armed with the
 * crash points a settlement has not passed yet, it SIGKILLs itself at the next one it reaches
 * (`crashPoint`, off unless a test passes it), and is started again, until it has died once at
 * every step of the settlement: the lock seen, the instruction seen, the decision and its outbox
 * item recorded, the cash ledger's send journaled (intent), signed (not broadcast), mined (not
 * confirmed) and confirmed (its item not done), the cash outcome seen, the ST attestation signed,
 * the ST ledger's send at the same four points, and the ST outcome seen. A last process, unarmed,
 * finishes. Then, for a paid and for a refused settlement: one outcome on each ledger, the same
 * one, units and money moved together, the service sent exactly one transaction per ledger (its
 * nonces), every outbox item done once and every journaled send confirmed. And the late lock (a
 * lock confirmed after anyone refunded the buyer, the refund's relay done without a lock): killed
 * once the refund is recorded, then at each of the 7 steps of carrying the refund to the lock (the
 * lock seen and its `<id>:late-lock` item queued, the attestation signed, `returnToSeller` at its
 * four journal points, the return seen): the units go back once, the service sends nothing on the
 * cash ledger and one transaction on the ST ledger. Each test checks only its own settlement's
 * outbox items and sends; the late lock runs on ledgers and a database of its own.
 */
import { writeFile } from "node:fs/promises";
import { expect } from "chai";
import { Wallet } from "ethers";
import { journal, openStore, outbox, sql, type Store } from "@kessai/storage";
import { tempSqliteDir, type TempSqliteDir } from "../../../packages/storage/src/testing/index.js";
import {
  TX_JOURNAL_NAMESPACE,
  type CrossLedgerTerms,
} from "../../../packages/verifier/src/index.js";
import { bundledScript, spawnChild, type Child } from "../crash-child.js";
import { nodeKey } from "../sdk/hardhat-node.js";
import { describeBackends } from "../storage/backends.js";
import { databaseUrl } from "../storage/database-url.js";
import {
  SELLER,
  VERIFIER,
  contractsOf,
  instruct,
  lock,
  startTwoLedgers,
  termsFor,
  type TwoLedgers,
} from "./two-nodes.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The service's script (packages/verifier/test/crash-verifier.ts), bundled once per run. */
const verifier = bundledScript("verifier", "crash-verifier");
after(() => verifier.remove());

const spawnVerifier = (script: string, config: string, crashAt: string[]): Child =>
  spawnChild(script, config, { KESSAI_CRASH_AT: crashAt.join(",") });

/** The crash points of one settlement, in the order it passes them. */
function stepsOf(cashFn: string, stFn: string, cashEvent: string, stEvent: string): string[] {
  const tx = (fn: string) => ["intent", "signed", "mined", "confirmed"].map((s) => `tx.${fn}.${s}`);
  return [
    "event.DeliveryRegistered",
    "event.PaymentInstructed",
    "decided",
    ...tx(cashFn),
    `event.${cashEvent}`,
    "attested",
    ...tx(stFn),
    `event.${stEvent}`,
  ];
}

/** Two anvil ledgers, a new database and the service's config file for it. */
interface CrashFixture {
  ledgers: TwoLedgers;
  dbUrl: string;
  configFile: string;
  children: Child[];
}

describeBackends("verifier under kill -9 (two anvil nodes)", (backend) => {
  const verifierAddress = new Wallet(nodeKey(VERIFIER)).address;

  /**
   * Starts a {@link CrashFixture} in `before` of the calling `describe` and stops it (its
   * processes, ledgers and files) in its `after`.
   */
  function useFixture(): () => CrashFixture {
    let fx: CrashFixture | undefined;
    let tmp: TempSqliteDir | undefined;
    let miner: ReturnType<typeof setInterval> | undefined;
    before(async function () {
      // Two anvil nodes, a new database and the bundled service: seconds when quiet, but a loaded
      // machine has taken over 60 s.
      this.timeout(180_000);
      tmp = await tempSqliteDir();
      const [ledgers] = await Promise.all([startTwoLedgers(), verifier.script()]);
      fx = {
        ledgers,
        dbUrl: await databaseUrl(backend()),
        configFile: tmp.file("verifier.json"),
        children: [],
      };
      await writeFile(
        fx.configFile,
        JSON.stringify({
          database: { url: fx.dbUrl },
          st: { rpcUrl: ledgers.st.node.url, contract: ledgers.addr.delivery },
          cash: { rpcUrl: ledgers.cash.node.url, contract: ledgers.addr.payment },
          privateKey: nodeKey(VERIFIER),
          confirmations: 2,
          pollMs: 50,
          leaseMs: 500,
          http: { port: 0 },
          log: { level: "silent" },
        }),
      );
      // Blocks on both ledgers besides the automined ones, so that events get their confirmations.
      miner = setInterval(() => void ledgers.mine().catch(() => undefined), 100);
    });
    after(async function () {
      this.timeout(30_000);
      if (miner) clearInterval(miner);
      for (const c of fx?.children ?? []) c.proc.kill("SIGKILL");
      await Promise.all((fx?.children ?? []).map((c) => c.exit));
      await fx?.ledgers.stop();
      await tmp?.remove();
    });
    return () => {
      if (!fx) throw new Error("fixture not started");
      return fx;
    };
  }

  /**
   * Runs processes armed with the steps not yet crashed at until each step has had its kill, then
   * an unarmed one until the settlement is over on both ledgers and the outbox is drained; returns
   * the steps in the order the processes died at them.
   */
  async function killAtEveryStep(
    fx: CrashFixture,
    t: CrossLedgerTerms,
    steps: string[],
    over: () => Promise<boolean>,
  ): Promise<string[]> {
    const script = await verifier.script();
    const left = [...steps];
    const order: string[] = [];
    while (left.length > 0) {
      const child = spawnVerifier(script, fx.configFile, left);
      fx.children.push(child);
      const e = await Promise.race([child.exit, sleep(30_000).then(() => undefined)]);
      if (!e) expect.fail(`no crash within 30 s; steps left: ${left.join(", ")}`);
      expect(e.signal, `exit ${e.code}: ${e.stderr}`).to.equal("SIGKILL");
      const m = /crash at (\S+) (\S+)/.exec(e.stderr);
      expect(m, e.stderr).to.not.equal(null);
      expect(m![2], `crash at ${m![1]}`).to.equal(t.id.toLowerCase());
      expect(left, "crashed at an armed step").to.include(m![1]);
      left.splice(left.indexOf(m![1]), 1);
      order.push(m![1]);
    }
    const last = spawnVerifier(script, fx.configFile, []);
    fx.children.push(last);
    const url = await last.url;
    expect(url, (await Promise.race([last.exit, sleep(0)]))?.stderr).to.be.a("string");
    let done = false;
    for (let i = 0; i < 300 && !done; i++) {
      const metrics = await fetch(`${url}/metrics`).then((r) => r.text());
      const queued = [
        ...metrics.matchAll(/^kessai_verifier_outbox\{status="(pending|claimed)"\} (\d+)/gm),
      ];
      done = (await over()) && queued.every((q) => q[2] === "0");
      if (!done) await sleep(100);
    }
    last.proc.kill("SIGTERM");
    const e = await last.exit;
    expect(e.code, e.stderr).to.equal(0);
    expect(done, "the last process finished the settlement").to.equal(true);
    return order;
  }

  /** The service's transactions so far on each ledger (its account's nonces). */
  const sentBy = async (l: TwoLedgers) => ({
    st: await l.st.provider.getTransactionCount(verifierAddress),
    cash: await l.cash.provider.getTransactionCount(verifierAddress),
  });

  /**
   * Kills the service at each of the 14 steps of settlement `t`, locked and instructed, with the
   * given outcome (each ledger's function, event and final state), then checks one outcome per
   * ledger, the same one: states and events, an empty escrow, one transaction of the service per
   * ledger whatever the kills, and the settlement's records in the store.
   */
  async function settleUnderKills(
    fx: CrashFixture,
    t: CrossLedgerTerms,
    outcome: Record<"cash" | "st", [fn: string, event: string, state: number]>,
  ): Promise<void> {
    const l = fx.ledgers;
    const c = await contractsOf(l, SELLER);
    const nonces = await sentBy(l);
    const [cashFn, cashEvent, cashState] = outcome.cash;
    const [stFn, stEvent, stState] = outcome.st;
    const steps = stepsOf(cashFn, stFn, cashEvent, stEvent);
    const order = await killAtEveryStep(
      fx,
      t,
      steps,
      async () => Number(await c.delivery.stateOf(t.id)) !== 1,
    );
    expect([...order].sort()).to.deep.equal([...steps].sort());
    expect(Number(await c.payment.stateOf(t.id)), `cash: ${cashEvent}`).to.equal(cashState);
    expect(Number(await c.delivery.stateOf(t.id)), `st: ${stEvent}`).to.equal(stState);
    expect(await eventsOf(c.payment, t.id)).to.deep.equal(["PaymentInstructed", cashEvent]);
    expect(await eventsOf(c.delivery, t.id)).to.deep.equal(["DeliveryRegistered", stEvent]);
    expect(await c.dcjpy.balanceOf(l.addr.payment)).to.equal(0n);
    expect(await sentBy(l)).to.deep.equal({ st: nonces.st + 1, cash: nonces.cash + 1 });
    await checkStore(fx, t.id, { done: 2, sends: 2 });
    console.log(`      ${backend().dialect}: ${order.length} kills, in order ${order.join(" > ")}`);
  }

  /** Events of settlement `id` on a contract, by name. */
  async function eventsOf(c: Awaited<ReturnType<typeof contractsOf>>["delivery"], id: string) {
    const logs = await c.queryFilter("*" as never, 0, "latest");
    return logs
      .map((l) => ("fragment" in l ? { name: l.fragment.name, id: String(l.args[0]) } : undefined))
      .filter((e) => e && e.id.toLowerCase() === id.toLowerCase())
      .map((e) => e!.name);
  }

  /**
   * Checks settlement `id`'s own records in the fixture's database: its outbox items (`<id>` and
   * `<id>:<suffix>`) all done, each by exactly one successful attempt, and its sends all
   * confirmed.
   */
  async function checkStore(
    fx: CrashFixture,
    id: string,
    expected: { done: number; sends: number },
  ) {
    const key = id.toLowerCase();
    const store: Store = await openStore(fx.dbUrl);
    try {
      const items = (await outbox.list(store, { limit: 1_000 })).filter(
        (i) => i.key === key || i.key.startsWith(`${key}:`),
      );
      expect(items.map((i) => i.status)).to.deep.equal(Array(expected.done).fill("done"));
      const done = await store.all<{ n: unknown }>(
        sql`SELECT COUNT(*) AS n FROM kessai_outbox_attempts WHERE outcome = 'done'
          AND outbox_id IN (${sql.join(items.map((i) => i.id))}) GROUP BY outbox_id`,
      );
      expect(done.map((r) => Number(r.n))).to.deep.equal(Array(expected.done).fill(1));
      const sends = (
        await journal.list(store, { namespace: TX_JOURNAL_NAMESPACE, limit: 1_000 })
      ).filter((s) => s.id.toLowerCase().includes(key));
      expect(sends.map((s) => s.state)).to.deep.equal(Array(expected.sends).fill("confirmed"));
    } finally {
      await store.close();
    }
  }

  describe("paid and refused, on shared ledgers and database", function () {
    const paidFixture = useFixture();

    it("paid: killed at each of 14 steps, the settlement is paid and delivered once", async function () {
      this.timeout(300_000); // about 20 s on a quiet machine
      const fx = paidFixture();
      const l = fx.ledgers;
      const t = await termsFor(l, `crash paid ${backend().dialect}`);
      const c = await contractsOf(l, SELLER);
      await lock(l, t);
      await instruct(l, t);
      const before = {
        buyerUnits: await c.bond.balanceOf(t.buyer),
        sellerCash: await c.dcjpy.balanceOf(t.seller),
      };
      await settleUnderKills(fx, t, {
        cash: ["pay", "SettlementPaid", 2],
        st: ["deliver", "SettlementDelivered", 2],
      });
      // Units and money moved together, once.
      expect(await c.bond.balanceOf(t.buyer)).to.equal(before.buyerUnits + t.quantity);
      expect(await c.dcjpy.balanceOf(t.seller)).to.equal(before.sellerCash + t.amount);
    });

    it("refused: killed at each of 14 steps, the payment is refunded and the units returned once", async function () {
      this.timeout(300_000); // about 20 s on a quiet machine
      const fx = paidFixture();
      const l = fx.ledgers;
      // The buyer instructs for another amount than the seller locked: the verifier refuses.
      const locked = await termsFor(l, `crash refused ${backend().dialect}`);
      const instructed = { ...locked, amount: locked.amount + 1n };
      const c = await contractsOf(l, SELLER);
      const before = {
        sellerUnits: await c.bond.balanceOf(locked.seller),
        buyerCash: await c.dcjpy.balanceOf(locked.buyer),
      };
      await lock(l, locked);
      await instruct(l, instructed);
      await settleUnderKills(fx, locked, {
        cash: ["refuse", "SettlementRefunded", 3],
        st: ["returnToSeller", "SettlementReturned", 3],
      });
      // The seller holds the units it was issued for this settlement, the buyer its DCJPY.
      expect(await c.bond.balanceOf(locked.seller)).to.equal(before.sellerUnits + locked.quantity);
      expect(await c.dcjpy.balanceOf(locked.buyer)).to.equal(before.buyerCash + instructed.amount);
    });
  });

  describe("late lock, on ledgers and a database of its own", function () {
    const lateFixture = useFixture();

    it("late lock: killed at each of its 7 steps, the refund is carried to a lock confirmed after it, once", async function () {
      this.timeout(300_000);
      const fx = lateFixture();
      const l = fx.ledgers;
      const t = await termsFor(l, `crash late lock ${backend().dialect}`, { deadlineIn: 600 });
      const c = await contractsOf(l, SELLER);
      const nonces = await sentBy(l);
      const before = {
        sellerUnits: await c.bond.balanceOf(t.seller),
        buyerCash: await c.dcjpy.balanceOf(t.buyer),
      };
      // The buyer instructs, the cash ledger's deadline passes and anyone refunds, all before the
      // service looks: the refund is the outcome, and its relay finds no lock.
      await instruct(l, t);
      await l.cash.node.rpc("evm_increaseTime", [601]);
      await l.cash.node.mine();
      await (await c.payment.refund(t)).wait();
      const store = await openStore(fx.dbUrl);
      let order: string[];
      try {
        const refunded = async () =>
          (
            await store.get(sql`SELECT cash_state FROM verifier_settlements
            WHERE id = ${t.id.toLowerCase()}`)
          )?.cash_state === "refunded";
        const first = await killAtEveryStep(fx, t, ["event.SettlementRefunded"], refunded);
        expect(first).to.deep.equal(["event.SettlementRefunded"]);
        expect(Number(await c.delivery.stateOf(t.id)), "no lock yet").to.equal(0);

        // The seller's lock (its ledger's clock is before the deadline), seen after the refund.
        await lock(l, t);
        const steps = [
          "event.DeliveryRegistered",
          "attested",
          ...["intent", "signed", "mined", "confirmed"].map((s) => `tx.returnToSeller.${s}`),
          "event.SettlementReturned",
        ];
        order = await killAtEveryStep(
          fx,
          t,
          steps,
          async () => Number(await c.delivery.stateOf(t.id)) !== 1,
        );
        expect([...order].sort()).to.deep.equal([...steps].sort());
        const items = await outbox.list(store, { topic: "st.relay", limit: 100 });
        expect(
          items.filter((i) => i.key.startsWith(t.id.toLowerCase())).map((i) => [i.key, i.status]),
        ).to.have.deep.members([
          [t.id.toLowerCase(), "done"],
          [`${t.id.toLowerCase()}:late-lock`, "done"],
        ]);
      } finally {
        await store.close();
      }

      expect(Number(await c.payment.stateOf(t.id)), "cash: refunded").to.equal(3);
      expect(Number(await c.delivery.stateOf(t.id)), "st: returned").to.equal(3);
      expect(await eventsOf(c.payment, t.id)).to.deep.equal([
        "PaymentInstructed",
        "SettlementRefunded",
      ]);
      expect(await eventsOf(c.delivery, t.id)).to.deep.equal([
        "DeliveryRegistered",
        "SettlementReturned",
      ]);
      expect(await c.bond.balanceOf(t.seller)).to.equal(before.sellerUnits + t.quantity);
      expect(await c.bond.lockedOf(l.addr.delivery, t.seller)).to.equal(0n);
      expect(await c.dcjpy.balanceOf(t.buyer)).to.equal(before.buyerCash + t.amount);
      // The service sent nothing on the cash ledger (anyone refunded) and one returnToSeller.
      expect(await sentBy(l)).to.deep.equal({ st: nonces.st + 1, cash: nonces.cash });
      // Two items (the refund's relay and the late lock's), one send (returnToSeller).
      await checkStore(fx, t.id, { done: 2, sends: 1 });
      console.log(`      ${backend().dialect}: late lock, kills in order ${order.join(" > ")}`);
    });
  });
});
