/**
 * The verifier and reorgs, against two anvil nodes (`anvil_reorg` replaces the newest blocks of a
 * chain with new ones; the transactions of the blocks it removes are gone), with k = 3
 * confirmations, on SQLite and on PostgreSQL. The service runs in this process and the test drives
 * its rounds and the blocks itself, so each reorg lands exactly where the test means it to:
 * - shallower than k under the lock: the lock seen with 2 confirmations vanishes; the service has
 *   not recorded it, decides nothing and sends nothing, and settles once the seller locks again;
 * - shallower than k under the cash outcome: the `pay` mined with 2 confirmations vanishes; the
 *   service has not recorded `SettlementPaid` nor signed the ST attestation, its engine sends the
 *   same signed `pay` again, and the settlement is paid and delivered once;
 * - deeper than k under a lock the service recorded: detected at the next round
 *   (`VerifierReorgError`), reported by `/healthz` (the ledger's check fails) and `/metrics`
 *   (`kessai_verifier_reorg_halted`), and the service halts: no decision, send or relay on either
 *   ledger, so the instruction of the vanished lock is not paid, until an operator looks.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { decodeJson, openStore, outbox, sql, type Store } from "@kessai/storage";
import {
  Verifier,
  VerifierReorgError,
  type CrossLedgerTerms,
} from "../../../packages/verifier/src/index.js";
import { nodeKey } from "../sdk/hardhat-node.js";
import { describeBackends } from "../storage/backends.js";
import { databaseUrl } from "../storage/database-url.js";
import {
  mineBlocks,
  openNodeVerifier,
  reorgLedger,
  roundsUntil,
  sentBy,
  statesOf,
} from "./fixture.js";
import {
  SELLER,
  VERIFIER,
  contractsOf,
  instruct,
  issue,
  lock,
  startTwoLedgers,
  termsFor,
  type Ledger,
  type TwoLedgers,
} from "./two-nodes.js";

const K = 3;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describeBackends("verifier and reorgs (two anvil nodes)", (backend) => {
  let l: TwoLedgers;
  let store: Store;
  let verifier: Verifier;
  let close: (() => void) | undefined;
  const verifierAddress = new Wallet(nodeKey(VERIFIER)).address;

  before(async function () {
    this.timeout(180_000); // two anvil nodes: seconds when quiet, over 60 s at load 8-11
    l = await startTwoLedgers();
    store = await openStore(await databaseUrl(backend()));
    ({ verifier, close } = await openNodeVerifier(l, store, { confirmations: K }));
  });

  after(async function () {
    this.timeout(30_000);
    close?.();
    await store?.close();
    await l?.stop();
  });

  /** The events of settlement `id` the service recorded from a ledger, with their blocks. */
  const recorded = async (side: "st" | "cash", id: string) =>
    (
      await store.all<{ block_hash: string; payload: unknown }>(
        sql`SELECT block_hash, payload FROM kessai_inbox WHERE consumer = ${`verifier.${side}`}`,
      )
    )
      .map((r) => ({
        blockHash: r.block_hash,
        ...(decodeJson(r.payload) as { name: string; id: string }),
      }))
      .filter((e) => e.id === id.toLowerCase());
  const relays = async (id: string) =>
    (await outbox.list(store, { topic: "st.relay", limit: 100 })).filter(
      (i) => i.key === id.toLowerCase(),
    );

  const reorg = reorgLedger;
  const mine = mineBlocks;
  const nonces = () => sentBy(l);
  const until = (done: () => Promise<boolean>) => roundsUntil(l, verifier, done);
  const stateOn = (t: CrossLedgerTerms) => statesOf(l, t);

  it(`a reorg of 2 blocks (< k = ${K}) under a lock it saw: it acts on nothing, then settles the new lock`, async function () {
    this.timeout(60_000);
    const t = await termsFor(l, `reorg lock ${backend().dialect}`);
    await verifier.tick();
    const sent = await nonces();
    await issue(l, t);
    // The buyer instructs, confirmed on the cash ledger.
    await instruct(l, t);
    await mine(l.cash, K);
    // The lock, with 2 confirmations on the ST ledger.
    await lock(l, t, { issued: true });
    await mine(l.st, 1);
    expect((await stateOn(t)).st, "locked at the head").to.equal(1);
    const round = await verifier.tick();
    expect(round.events.st, "an unconfirmed lock is not recorded").to.equal(0);
    expect(round.decided).to.equal(0);

    // The two blocks go: the lock never happened.
    await reorg(l.st, 2);
    expect((await stateOn(t)).st, "the lock vanished").to.equal(0);
    await mine(l.st, K + 1);
    for (let i = 0; i < 3; i++) await verifier.tick();
    const s = await verifier.settlement(t.id);
    expect(s?.stState, "no lock recorded").to.equal("none");
    expect(s?.cashState).to.equal("instructed");
    expect(s?.decision, "nothing decided on a vanished lock").to.equal(undefined);
    expect(await nonces(), "nothing sent").to.deep.equal(sent);
    expect((await recorded("st", t.id)).map((e) => e.name)).to.deep.equal([]);

    // The seller locks again: paid and delivered, once.
    await lock(l, t, { issued: true });
    await until(async () => (await stateOn(t)).st === 2);
    expect(await stateOn(t)).to.deep.equal({ st: 2, cash: 2 });
    expect(await nonces()).to.deep.equal({ st: sent.st + 1, cash: sent.cash + 1 });
  });

  it(`a reorg of 2 blocks (< k) under its own pay: nothing relayed on the vanished payment, paid and delivered once`, async function () {
    this.timeout(60_000);
    const t = await termsFor(l, `reorg pay ${backend().dialect}`);
    await lock(l, t);
    await instruct(l, t);
    await mine(l.st, K);
    await mine(l.cash, K);
    const sent = await nonces();
    // The round decides and sends pay, then waits for its k confirmations: blocks come one by one.
    const round = verifier.tick();
    for (let i = 0; i < 500 && (await stateOn(t)).cash !== 2; i++) await sleep(10);
    expect((await stateOn(t)).cash, "pay mined").to.equal(2);
    await mine(l.cash, 1);
    // With 2 confirmations the payment is not the service's to act on.
    expect(await verifier.watch("cash"), "SettlementPaid not recorded yet").to.equal(0);
    expect((await verifier.settlement(t.id))?.cashState).to.equal("instructed");
    expect(await relays(t.id), "no relay queued").to.deep.equal([]);
    expect(await verifier.attestation(t.id), "no ST attestation").to.equal(undefined);

    // The pay's block and the next go.
    await reorg(l.cash, 2);
    expect((await stateOn(t)).cash, "the payment vanished").to.equal(1);
    expect(await verifier.watch("cash")).to.equal(0);
    expect(await verifier.attestation(t.id), "still no ST attestation").to.equal(undefined);
    // Blocks again: the engine sees its pay gone and broadcasts the same signed transaction.
    const miner = setInterval(() => void l.cash.node.mine().catch(() => undefined), 30);
    try {
      await round;
    } finally {
      clearInterval(miner);
    }
    await until(async () => (await stateOn(t)).st === 2);
    expect(await stateOn(t)).to.deep.equal({ st: 2, cash: 2 });
    expect(await nonces(), "one pay (the same one), one deliver").to.deep.equal({
      st: sent.st + 1,
      cash: sent.cash + 1,
    });
    // The service recorded the payment once, from the block that holds it now.
    const paid = (await recorded("cash", t.id)).filter((e) => e.name === "SettlementPaid");
    const c = await contractsOf(l, SELLER);
    const logs = await c.payment.queryFilter(c.payment.filters.SettlementPaid!(t.id));
    expect(paid.map((e) => e.blockHash)).to.deep.equal(logs.map((x) => x.blockHash.toLowerCase()));
  });

  it(`a reorg of ${K + 3} blocks (> k) under a lock it recorded: detected, reported, and it halts`, async function () {
    this.timeout(60_000);
    const t = await termsFor(l, `reorg deep ${backend().dialect}`);
    await issue(l, t);
    await lock(l, t, { issued: true });
    await mine(l.st, K + 1);
    await verifier.tick();
    expect((await verifier.settlement(t.id))?.stState).to.equal("locked");
    const sent = await nonces();

    await reorg(l.st, K + 3);
    expect((await stateOn(t)).st, "the recorded lock vanished").to.equal(0);
    await instruct(l, t);
    await mine(l.cash, K);
    await mine(l.st, 2);
    for (let i = 0; i < 3; i++) {
      const err = await verifier.tick().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(VerifierReorgError);
      expect((err as VerifierReorgError).ledger).to.equal("st");
    }
    const health = await verifier.health();
    expect(health.status).to.equal("unavailable");
    expect(health.checks.st.ok).to.equal(false);
    expect(health.checks.st.error).to.match(
      /st ledger: block \d+ is now 0x[0-9a-f]{64}, the service processed/,
    );
    expect(health.checks.cash.ok).to.equal(true);
    const metrics = await verifier.metricsText();
    expect(metrics).to.include('kessai_verifier_reorg_halted{ledger="st"} 1');
    expect(metrics).to.include('kessai_verifier_reorg_halted{ledger="cash"} 0');
    // Halted: the instruction against the vanished lock is neither decided nor paid.
    expect((await verifier.settlement(t.id))?.decision).to.equal(undefined);
    expect(await nonces()).to.deep.equal(sent);
    expect((await stateOn(t)).cash, "the buyer's DCJPY stay in escrow, refundable").to.equal(1);
  });
});
