/**
 * Guarantee 5, "a restart of either node": one settlement through the service while the ST
 * ledger's node and then the cash ledger's node are stopped and started again (two anvil
 * processes; each node's chain is dumped with `anvil_dumpState` and the node killed, then a new
 * node on the same port starts from the dump with `--load-state`, as an operator restarts a node
 * on its data). The test mines the blocks itself, so each stop lands where it means it to:
 * - the ST node stops once the service has recorded the lock; the buyer instructs on the cash
 *   ledger meanwhile: the service decides nothing (it cannot read the ST ledger), its rounds fail
 *   and are retried with doubling waits, and `/healthz` answers 503 naming the ST ledger;
 * - the cash node stops once the service's `pay` is mined with fewer confirmations than it asks
 *   (the journal's `mined` point), before the ST ledger's outcome: `/healthz` names the cash
 *   ledger; the send's wait gives up after its timeout (1 s here), its outbox item and the rounds
 *   are retried with doubling waits; started again, the service finds the same `pay` under its
 *   journal key (no second one), signs the attestation and delivers.
 * Then: one outcome on each ledger, units and money moved together, one transaction per ledger by
 * the service (its nonces), nothing left in its outbox. On an SQLite file and on a PostgreSQL
 * server (started by the test).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Wallet } from "ethers";
import { openStore } from "@kessai/storage";
import {
  type Verifier,
  listenHttp,
  type HealthReport,
  type VerifierHttp,
} from "../../../packages/verifier/src/index.js";
import { startAnvil } from "../sdk/anvil.js";
import { nodeKey } from "../sdk/hardhat-node.js";
import { describeBackends } from "../storage/backends.js";
import { databaseUrl } from "../storage/database-url.js";
import { openNodeVerifier } from "./fixture.js";
import {
  CASH_CHAIN_ID,
  SELLER,
  ST_CHAIN_ID,
  VERIFIER,
  contractsOf,
  instruct,
  lock,
  startTwoLedgers,
  termsFor,
  type Ledger,
  type TwoLedgers,
} from "./two-nodes.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describeBackends(
  "verifier: the ST ledger's node, then the cash ledger's, restarted mid-settlement (two anvil nodes)",
  (backend) => {
    let l: TwoLedgers;
    let dir: string;
    let verifier: Verifier;
    let http: VerifierHttp;
    let closeProviders: (() => void) | undefined;
    const failures: { at: number; retryInMs: number }[] = [];
    const verifierAddress = new Wallet(nodeKey(VERIFIER)).address;
    let payMined: () => void = () => undefined;
    const payMinedOnce = new Promise<void>((r) => (payMined = r));

    before(async function () {
      this.timeout(180_000); // two anvil nodes: seconds when quiet, over 60 s at load 8-11
      l = await startTwoLedgers();
      dir = await mkdtemp(path.join(tmpdir(), "kessai-node-restart-"));
      // (the store opened and closed here: the back end's own stores close before this `after`)
      let close: () => void;
      ({ verifier, close } = await openNodeVerifier(
        l,
        await openStore(await databaseUrl(backend())),
        {
          pollMs: 50,
          // A send gives up after 1 s (the cash node stays down longer): the outbox retries it.
          txPolicy: { pollIntervalMs: 20, stallCheckMs: 200, timeoutMs: 1_000 },
          backoff: { initialDelayMs: 50, multiplier: 2, maxDelayMs: 400, jitter: 0 },
          leaseMs: 5_000,
          logger: {
            info() {},
            warn() {},
            error(obj: { retryInMs?: number }, msg?: string) {
              if (msg === "round failed" && obj.retryInMs !== undefined)
                failures.push({ at: Date.now(), retryInMs: obj.retryInMs });
            },
          },
          // (an observation point here, not a crash)
          crashPoint: (point) => {
            if (point === "tx.pay.mined") payMined();
          },
        },
      ));
      closeProviders = close;
      http = await listenHttp(verifier, { healthTimeoutMs: 1_000 });
    });

    after(async function () {
      this.timeout(30_000);
      await verifier?.stop();
      await http?.close();
      await verifier?.store.close();
      closeProviders?.();
      await l?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const healthz = async () => {
      const res = await fetch(`${http.url}/healthz`);
      return { status: res.status, body: (await res.json()) as HealthReport };
    };
    /** Polls `done` every 20 ms, at most 30 s. */
    async function until(what: string, done: () => Promise<boolean>) {
      for (let i = 0; !(await done()); i++) {
        if (i > 1_500) expect.fail(`${what} did not come`);
        await sleep(20);
      }
    }
    /** Dumps the node's chain, kills the node; returns how to start it again on the same port. */
    async function stopNode(side: Ledger, chainId: number, name: string) {
      const state = path.join(dir, `${name}.json`);
      const head = await side.provider.getBlock("latest");
      await side.node.dumpState(state);
      await side.node.stop();
      return async () => {
        side.node = await startAnvil({
          port: side.node.port,
          chainId,
          accounts: 10,
          loadState: state,
        });
        // the same chain: the head block, its hash, is there again
        expect((await side.provider.getBlock(head!.number))?.hash).to.equal(head!.hash);
      };
    }

    it("both nodes restarted in turn: the service retries with backoff, /healthz names the ledger down, and it settles once", async function () {
      this.timeout(180_000);
      const terms = await termsFor(l, "node-restart");
      const c = await contractsOf(l, SELLER);
      const books = async () => ({
        sellerUnits: await c.bond.balanceOf(terms.seller),
        buyerUnits: await c.bond.balanceOf(terms.buyer),
        sellerCash: await c.dcjpy.balanceOf(terms.seller),
        escrow: await c.dcjpy.balanceOf(l.addr.payment),
      });
      const nonces = async () => ({
        st: await l.st.provider.getTransactionCount(verifierAddress),
        cash: await l.cash.provider.getTransactionCount(verifierAddress),
      });
      const sent = await nonces();
      expect((await healthz()).status).to.equal(200);
      verifier.start();

      // step 1, seen by the service (its event needs 2 confirmations: one more block)
      await lock(l, terms);
      const before = await books();
      await l.st.node.mine();
      await until("the lock recorded", async () => {
        return (await verifier.settlement(terms.id))?.stState === "locked";
      });

      // --- the ST ledger's node stops
      const stDown = Date.now(); // (a round may fail before stopNode returns)
      const startSt = await stopNode(l.st, ST_CHAIN_ID, "st");
      await instruct(l, terms);
      await l.cash.node.mine(); // the instruction confirmed on the cash ledger
      const down = await healthz();
      expect(down.status).to.equal(503);
      expect(down.body.status).to.equal("unavailable");
      expect(down.body.checks.st.ok).to.equal(false);
      expect(down.body.checks.st.error).to.be.a("string").and.not.equal("");
      expect(down.body.checks.cash).to.include({ ok: true });
      expect(down.body.checks.database).to.deep.equal({ ok: true });
      await sleep(1_600);
      // nothing decided without the ST ledger: the buyer's DCJPY waits in escrow
      expect(await c.payment.stateOf(terms.id)).to.equal(1n); // Instructed
      expect((await verifier.settlement(terms.id))?.decision).to.equal(undefined);
      const whileStDown = failures.filter((f) => f.at >= stDown).map((f) => f.retryInMs);
      // the rounds fail and wait twice as long each time: 100, 200, 400, 800 ms
      expect(whileStDown.length).to.be.at.least(3);
      expect(whileStDown.slice(0, 3)).to.deep.equal([100, 200, 400]);
      for (let i = 1; i < whileStDown.length; i++)
        expect(whileStDown[i]).to.equal(Math.min(whileStDown[i - 1] * 2, 30_000));
      expect(await verifier.metricsText()).to.match(/kessai_verifier_round_failures_total [1-9]/);

      // --- started again on its state: the service reads it again, decides and pays
      await startSt();
      await until("/healthz ok again", async () => (await healthz()).status === 200);
      await payMinedOnce; // `pay` mined, one confirmation of the two the service waits for
      expect(await c.payment.stateOf(terms.id)).to.equal(2n); // Paid
      expect(await c.delivery.stateOf(terms.id)).to.equal(1n); // still Locked on the ST ledger

      // --- the cash ledger's node stops before the payment has its confirmations
      const cashDown = Date.now();
      const startCash = await stopNode(l.cash, CASH_CHAIN_ID, "cash");
      const down2 = await healthz();
      expect(down2.status).to.equal(503);
      expect(down2.body.checks.cash.ok).to.equal(false);
      expect(down2.body.checks.st).to.include({ ok: true });
      await sleep(2_500);
      expect(await c.delivery.stateOf(terms.id)).to.equal(1n); // nothing carried across
      expect(await verifier.attestation(terms.id)).to.equal(undefined);
      // the send timed out after 1 s; since then every round fails and waits twice as long
      const whileCashDown = failures.filter((f) => f.at >= cashDown).map((f) => f.retryInMs);
      expect(whileCashDown.length).to.be.at.least(2);
      expect(whileCashDown.slice(0, 2)).to.deep.equal([100, 200]);
      for (let i = 1; i < whileCashDown.length; i++)
        expect(whileCashDown[i]).to.equal(Math.min(whileCashDown[i - 1] * 2, 30_000));

      await startCash();
      expect(await c.payment.stateOf(terms.id)).to.equal(2n); // the payment survived the restart
      const miner = setInterval(() => void l.mine().catch(() => undefined), 50);
      try {
        await until("the delivery", async () => (await c.delivery.stateOf(terms.id)) === 2n);
        await until("the service's outbox emptied", async () =>
          (await verifier.metricsText()).includes('kessai_verifier_outbox{status="pending"} 0'),
        );
      } finally {
        clearInterval(miner);
      }
      expect((await healthz()).status).to.equal(200);

      // one outcome per ledger, once; units and money moved together
      const paid = await c.payment.queryFilter(c.payment.filters.SettlementPaid(terms.id));
      const delivered = await c.delivery.queryFilter(
        c.delivery.filters.SettlementDelivered(terms.id),
      );
      expect(paid).to.have.length(1);
      expect(delivered).to.have.length(1);
      const after = await books();
      expect(after.buyerUnits - before.buyerUnits).to.equal(terms.quantity);
      expect(before.sellerUnits - after.sellerUnits).to.equal(terms.quantity);
      expect(after.sellerCash - before.sellerCash).to.equal(terms.amount);
      expect(after.escrow).to.equal(before.escrow);
      // the service sent one `pay` and one `deliver`: no step twice
      expect(await nonces()).to.deep.equal({ st: sent.st + 1, cash: sent.cash + 1 });
      expect(await verifier.metricsText()).to.include('kessai_verifier_outbox{status="dead"} 0');
      expect((await verifier.settlement(terms.id))?.decision).to.equal("paid");
    });
  },
);
