/**
 * The operator's way out of a reorg deeper than the confirmations (docs/two-ledger.md,
 * "Operations"), against two anvil nodes with k = 3, on SQLite and on PostgreSQL. The service
 * recorded a lock; a reorg of 6 blocks takes it away; the buyer instructs against it on the cash
 * ledger. The service halts (`VerifierReorgError`, `/healthz` and `/metrics` say so) and decides
 * nothing. The operator stops it and runs `kessai verifier resync --ledger st --from-block N`:
 * asked from a block above the one the lock was recorded in, it refuses with exit 2 naming that
 * block and changes nothing; asked from the first replaced block, it drops the lock from the
 * service's view. Started again, the service is healthy, decides nothing on the vanished lock,
 * and once the seller locks again the settlement is paid and delivered: one outcome on each
 * ledger, one transaction per ledger by the service. Then a reorg deeper than k that takes away the
 * service's own `deliver` (the lock stays): resync reopens the journaled send, and started again
 * the service broadcasts the same signed transaction, which lands once. And on the cash ledger:
 * the payment confirmed, its delivery refused (buyer suspended), a reorg deeper than k takes the
 * payment away; resync withdraws the `Paid` relay and its attestation and reopens the `pay`; the
 * same signed `pay` lands again and, the buyer reinstated, the units are delivered once.
 */
import { expect } from "chai";
import { Contract, Wallet } from "ethers";
import { outbox, type Store } from "@kessai/storage";
import { VerifierReorgError } from "../../../packages/verifier/src/index.js";
import { nodeKey } from "../sdk/hardhat-node.js";
import { describeBackends } from "../storage/backends.js";
import {
  mineBlocks as mine,
  reorgLedger as reorg,
  roundsUntil,
  sentBy,
  statesOf,
} from "./fixture.js";
import {
  ADMIN,
  SELLER,
  VERIFIER,
  contractsOf,
  instruct,
  lock,
  termsFor,
  type TwoLedgers,
} from "./two-nodes.js";
import { useResyncNodes } from "./resync-fixture.js";

const K = 3;

describeBackends(
  "kessai verifier resync after a reorg deeper than k (two anvil nodes)",
  (backend) => {
    const nodes = useResyncNodes(backend, K);
    const { height, open, resync } = nodes;
    let l: TwoLedgers;
    let store: Store;
    before(function () {
      ({ l, store } = nodes);
    });

    it("halted on a vanished lock; resync from the first replaced block; relocked, paid and delivered once", async function () {
      this.timeout(120_000);
      let verifier = await open();
      const t = await termsFor(l, `resync ${backend().dialect}`);
      const lockBlock = await nodes.lockAboveIssue(t);
      await verifier.tick();
      expect((await verifier.settlement(t.id))?.stState).to.equal("locked");
      const sent = await sentBy(l);

      // 6 blocks (> k) replaced: the lock the service recorded is gone from the chain.
      const head = await height();
      await reorg(l.st, K + 3);
      const firstReplaced = head - (K + 3) + 1;
      expect(firstReplaced).to.be.at.most(lockBlock);
      expect((await statesOf(l, t)).st, "the recorded lock vanished").to.equal(0);
      await instruct(l, t);
      await mine(l.cash, K);
      await mine(l.st, 2);
      const err = await verifier.tick().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(VerifierReorgError);
      expect((await verifier.health()).checks.st.ok).to.equal(false);
      expect(await verifier.metricsText()).to.include(
        'kessai_verifier_reorg_halted{ledger="st"} 1',
      );
      expect(await sentBy(l), "halted: nothing sent").to.deep.equal(sent);

      // The operator stops the service (its rounds are driven here: nothing runs) and resyncs.
      const tooHigh = await resync(lockBlock + 1);
      expect(tooHigh.code).to.equal(2);
      expect(tooHigh.err).to.match(
        new RegExp(
          `^kessai: st ledger: block ${lockBlock} changed as well \\(recorded 0x[0-9a-f]{64}, now 0x[0-9a-f]{64}\\): resync from ${lockBlock} or lower\\n$`,
        ),
      );
      expect((await verifier.settlement(t.id))?.stState, "nothing changed").to.equal("locked");

      const r = await resync(firstReplaced);
      expect(r.err).to.equal("");
      expect(r.code).to.equal(0);
      expect(r.out).to.equal(
        `st ledger read again from block ${firstReplaced}: 1 recorded events dropped, 1 settlements rebuilt, ` +
          `0 queue items put back, 0 withdrawn, 0 transactions reopened\n` +
          `  ${t.id.toLowerCase()}: locked -> none\n`,
      );

      // Started again: healthy, and nothing decided on the vanished lock.
      verifier = await open();
      await verifier.tick();
      expect((await verifier.health()).status).to.equal("ok");
      expect(await verifier.metricsText()).to.include(
        'kessai_verifier_reorg_halted{ledger="st"} 0',
      );
      const s = await verifier.settlement(t.id);
      expect(s?.stState).to.equal("none");
      expect(s?.cashState).to.equal("instructed");
      expect(s?.decision).to.equal(undefined);
      expect(await sentBy(l)).to.deep.equal(sent);

      // The seller locks again (its units are its own again): paid and delivered, once.
      await lock(l, t, { issued: true });
      await roundsUntil(l, verifier, async () => (await statesOf(l, t)).st === 2);
      expect(await statesOf(l, t)).to.deep.equal({ st: 2, cash: 2 });
      expect(await sentBy(l), "one pay, one deliver").to.deep.equal({
        st: sent.st + 1,
        cash: sent.cash + 1,
      });
      const c = await contractsOf(l, SELLER);
      expect(await c.payment.queryFilter(c.payment.filters.SettlementPaid!(t.id))).to.have.length(
        1,
      );
      expect(
        await c.delivery.queryFilter(c.delivery.filters.SettlementDelivered!(t.id)),
      ).to.have.length(1);
      expect(await c.bond.lockedOf(l.addr.delivery, t.seller)).to.equal(0n);
      expect(await outbox.stats(store)).to.include({ dead: 0, pending: 0 });
    });

    it("a reorg deeper than k takes away the service's own delivery: resync reopens it and the same signed transaction lands again", async function () {
      this.timeout(120_000);
      const verifier = await open();
      const t = await termsFor(l, `resync deliver ${backend().dialect}`);
      await lock(l, t);
      await mine(l.st, 8); // the lock stays below the reorg
      await instruct(l, t);
      await mine(l.cash, K);
      await roundsUntil(
        l,
        verifier,
        async () => (await verifier.settlement(t.id))?.stState === "delivered",
      );
      const c = await contractsOf(l, SELLER);
      const [delivered] = await c.delivery.queryFilter(
        c.delivery.filters.SettlementDelivered!(t.id),
      );
      const sent = await sentBy(l);

      // The delivery's block and every block after it go (more than k): the units are locked again.
      const depth = (await height()) - delivered.blockNumber + 1;
      expect(depth).to.be.greaterThan(K);
      await reorg(l.st, depth);
      expect((await statesOf(l, t)).st, "locked again").to.equal(1);
      const verifierOnSt = async () =>
        Number(
          await l.st.node.rpc("eth_getTransactionCount", [
            new Wallet(nodeKey(VERIFIER)).address,
            "latest",
          ]),
        );
      expect(await verifierOnSt(), "the service's deliver is gone").to.equal(sent.st - 1);
      await mine(l.st, K);
      expect(await verifier.tick().catch((e: unknown) => e)).to.be.instanceOf(VerifierReorgError);

      const r = await resync(delivered.blockNumber);
      expect(r.err).to.equal("");
      expect(r.out).to.equal(
        `st ledger read again from block ${delivered.blockNumber}: 1 recorded events dropped, 1 settlements rebuilt, ` +
          `1 queue items put back, 0 withdrawn, 1 transactions reopened\n` +
          `  ${t.id.toLowerCase()}: delivered -> locked\n`,
      );

      // Started again: the same signed deliver, same nonce, is broadcast again; nothing new signed.
      const again = await open();
      await roundsUntil(l, again, async () => (await statesOf(l, t)).st === 2);
      const after = await c.delivery.queryFilter(c.delivery.filters.SettlementDelivered!(t.id));
      expect(after.map((e) => e.transactionHash)).to.deep.equal([delivered.transactionHash]);
      expect(await sentBy(l)).to.deep.equal(sent);
      expect(await statesOf(l, t)).to.deep.equal({ st: 2, cash: 2 });
    });

    it("a reorg deeper than k takes away the payment while its delivery is refused: resync withdraws the relay, the same pay lands again, delivered once", async function () {
      this.timeout(120_000);
      const verifier = await open();
      const t = await termsFor(l, `resync pay ${backend().dialect}`);
      const registry = new Contract(
        l.addr.registry,
        ["function suspend(address)", "function reinstate(address)"],
        l.st.wallet(ADMIN),
      );
      await lock(l, t);
      await instruct(l, t);
      await mine(l.st, K);
      await mine(l.cash, 6); // the instruction stays below the reorg
      await roundsUntil(l, verifier, async () => (await statesOf(l, t)).cash === 2);
      // Paid with k confirmations; the buyer suspended before the relay: the delivery is refused.
      await (await registry.suspend(t.buyer)).wait();
      await roundsUntil(l, verifier, async () => (await verifier.attestation(t.id)) !== undefined);
      expect((await statesOf(l, t)).st, "refused: still locked").to.equal(1);
      const c = await contractsOf(l, SELLER);
      const [paid] = await c.payment.queryFilter(c.payment.filters.SettlementPaid!(t.id));
      const cashNonce = async () =>
        Number(
          await l.cash.node.rpc("eth_getTransactionCount", [
            new Wallet(nodeKey(VERIFIER)).address,
            "latest",
          ]),
        );
      const sentCash = await cashNonce();

      // The payment's block and every block after it go (more than k): instructed again.
      const depth = Number(await l.cash.node.rpc("eth_blockNumber", [])) - paid.blockNumber + 1;
      expect(depth).to.be.greaterThan(K);
      await reorg(l.cash, depth);
      expect((await statesOf(l, t)).cash, "instructed again").to.equal(1);
      await mine(l.cash, K);
      expect(await verifier.tick().catch((e: unknown) => e)).to.be.instanceOf(VerifierReorgError);

      const r = await resync(paid.blockNumber, "cash");
      expect(r.err).to.equal("");
      expect(r.out).to.equal(
        `cash ledger read again from block ${paid.blockNumber}: 1 recorded events dropped, 1 settlements rebuilt, ` +
          `1 queue items put back, 1 withdrawn, 1 transactions reopened\n` +
          `  ${t.id.toLowerCase()}: paid -> instructed\n`,
      );
      const again = await open();
      expect(await again.attestation(t.id), "the Paid attestation withdrawn").to.equal(undefined);

      // Started again: the same signed pay lands; once it has k confirmations the relay is queued
      // afresh, and the buyer reinstated receives the units.
      await (await registry.reinstate(t.buyer)).wait();
      await roundsUntil(l, again, async () => (await statesOf(l, t)).st === 2);
      const after = await c.payment.queryFilter(c.payment.filters.SettlementPaid!(t.id));
      expect(after.map((e) => e.transactionHash)).to.deep.equal([paid.transactionHash]);
      expect(await cashNonce(), "one pay, the same").to.equal(sentCash);
      expect(
        await c.delivery.queryFilter(c.delivery.filters.SettlementDelivered!(t.id)),
      ).to.have.length(1);
      expect(await statesOf(l, t)).to.deep.equal({ st: 2, cash: 2 });
    });
  },
);
