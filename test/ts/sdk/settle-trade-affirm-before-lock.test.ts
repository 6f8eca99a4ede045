/**
 * settleTrade's step 2 when a reorg put the lock after the affirmation: the affirmation was mined
 * (reverted: the settlement it needs was not there yet) and the lock landed after it, so the
 * settlement is Pending again, with the trade's terms. The affirmation is sent again once, under
 * the step's attempt 1 key, and the trade settles; the chain has one successful affirmation and
 * every balance moved once.
 *
 * On anvil (a reverting transaction is mined there, not refused at its send): a proxy in front
 * of the node takes a snapshot before the lock reaches the node and, when the affirmation comes,
 * goes back to it (the lock's block gone, as in a reorg) and mines the affirmation, then the lock.
 */
import { expect } from "chai";
import { Contract, Transaction, Wallet, type JsonRpcProvider } from "ethers";
import {
  DvpUnexpectedState,
  FirmClient,
  MemoryJournal,
  settleTrade,
  settleTradeKey,
  settleTradeSendKey,
  type JournalEntry,
  type JournalState,
  type KessaiAddresses,
  type ProgressEvent,
  type SettlementTerms,
} from "../../../packages/sdk/src/index.js";
import { anvilForSuite, startRpcProxy } from "./anvil.js";
import {
  FAST,
  SELLER,
  address,
  key,
  deployForTrades,
  oneUnitTerms,
  partiesOn,
  providerFor,
} from "./anvil-trades.js";
import { ref } from "./fixture.js";
import { expectError } from "./helpers.js";

const BUYER = 5;
const AMOUNT = 1_000n;

describe("sdk: settleTrade after a reorg mined the affirmation before the lock (anvil)", function () {
  this.timeout(60_000);
  const anvil = anvilForSuite();
  const seller = address(SELLER);
  const buyer = address(BUYER);
  let direct: JsonRpcProvider;
  let addresses: KessaiAddresses;
  let bond: Contract;
  let dvp: Contract;
  let dcjpy: Contract;
  const open: { close(): unknown }[] = [];
  before(async function () {
    direct = providerFor(anvil().url);
    open.push({ close: () => direct.destroy() });
    ({ addresses } = await deployForTrades(direct, { buyers: [BUYER], units: 10n }));
    const balance = "function balanceOf(address) view returns (uint256)";
    bond = new Contract(addresses.securityToken, [balance], direct);
    dvp = new Contract(
      addresses.dvp,
      [
        "event SettlementAffirmed(bytes32 indexed id, address indexed buyer, address submitter)",
        "function stateOf(bytes32) view returns (uint8)",
      ],
      direct,
    );
    dcjpy = new Contract(
      addresses.depositToken,
      [balance, "function totalSupply() view returns (uint256)"],
      direct,
    );
  });
  after(async function () {
    for (const o of open.reverse()) await o.close();
  });

  /**
   * The parties' clients behind a proxy that, when the trade's affirmation comes, takes the chain
   * back to before the lock (a snapshot taken as the lock reached the node), mines the
   * affirmation (reverted) and then `relock(lockRaw)` (the lock again, by default); the hashes
   * of the reverted affirmation and of the lock after it, once it happened.
   */
  async function reordering(relock?: (lockRaw: string) => Promise<string>) {
    const node = anvil();
    let lockRaw: string | undefined;
    let snapshot: string | undefined;
    const seen: { reordered?: { affirm: string; lock: string } } = {};
    const proxy = await startRpcProxy(node.url, async (req) => {
      if (req.method !== "eth_sendRawTransaction" || seen.reordered) return undefined;
      const raw = req.params[0] as string;
      const from = Transaction.from(raw).from;
      if (from === seller && lockRaw === undefined) {
        snapshot = await node.rpc<string>("evm_snapshot");
        lockRaw = raw;
        return undefined;
      }
      if (from !== buyer || lockRaw === undefined) return undefined;
      // the lock's block gone; the affirmation mined first (reverted), then the lock
      await node.rpc("evm_revert", [snapshot]);
      const affirm = await node.rpc<string>("eth_sendRawTransaction", [raw]);
      const lock = relock
        ? await relock(lockRaw)
        : await node.rpc<string>("eth_sendRawTransaction", [lockRaw]);
      seen.reordered = { affirm, lock };
      return { result: affirm };
    });
    const p = providerFor(proxy.url);
    open.push(proxy, { close: () => p.destroy() });
    return { parties: await partiesOn(addresses, p, BUYER), seen };
  }

  const affirmations = (id: string) =>
    dvp.queryFilter(dvp.filters.SettlementAffirmed!(id), 0, "latest");

  it("redoes the affirmation once under its attempt 1 key and settles; one affirmation succeeded, balances moved once", async function () {
    const { parties, seen } = await reordering();
    const terms = await oneUnitTerms(direct, addresses, {
      id: ref("affirm-before-lock"),
      buyer,
      amount: AMOUNT,
    });
    const [sellerBonds, buyerBonds, supply] = await Promise.all([
      bond.balanceOf(seller) as Promise<bigint>,
      bond.balanceOf(buyer) as Promise<bigint>,
      dcjpy.totalSupply() as Promise<bigint>,
    ]);
    const events: ProgressEvent[] = [];
    const result = await settleTrade({
      ...parties,
      agent: undefined,
      terms,
      onProgress: (e) => void events.push(e),
    });

    expect(result.state).to.equal("Settled");
    const reordered = seen.reordered!;
    expect(reordered, "the proxy reordered the lock and the affirmation").to.not.equal(undefined);
    // the affirmation mined before the lock reverted; the lock landed after it
    const first = (await direct.getTransactionReceipt(reordered.affirm))!;
    const lock = (await direct.getTransactionReceipt(reordered.lock))!;
    expect(first.status).to.equal(0);
    expect(lock.status).to.equal(1);
    expect(lock.blockNumber).to.be.greaterThan(first.blockNumber);
    // step 2: started once, done by the redo
    const step2 = events.filter((e) => e.step === 2);
    expect(step2.map((e) => e.status)).to.deep.equal(["started", "done"]);
    expect(step2[1]!.txHash).to.not.equal(reordered.affirm);
    expect(result.redone).to.equal(0);
    // the journal: the step's key holds the reverted affirmation, attempt 1 the one that counted
    const journal = parties.buyer.ctx.signer!.engine.journal;
    const scope = { chainId: parties.seller.ctx.chainId, dvp: addresses.dvp };
    const base = (await journal.get(settleTradeKey(scope, terms.id, "affirm")))!;
    const redo = (await journal.get(settleTradeKey(scope, terms.id, "affirm", 1)))!;
    expect(base.state).to.equal("reverted");
    expect(base.mined!.hash).to.equal(reordered.affirm);
    expect(redo.state).to.equal("confirmed");
    expect(redo.mined!.hash).to.equal(step2[1]!.txHash);
    // exactly one successful affirmation on chain
    const affirmed = await affirmations(terms.id);
    expect(affirmed).to.have.length(1);
    expect(affirmed[0]!.transactionHash).to.equal(redo.mined!.hash);
    expect(await dvp.stateOf(terms.id)).to.equal(3n); // Settled
    // balances moved once: one unit to the buyer, the DCJPY issued, paid and redeemed
    expect(await bond.balanceOf(seller)).to.equal(sellerBonds - 1n);
    expect(await bond.balanceOf(buyer)).to.equal(buyerBonds + 1n);
    expect(await dcjpy.balanceOf(buyer)).to.equal(0n);
    expect(await dcjpy.balanceOf(seller)).to.equal(0n);
    expect(await dcjpy.totalSupply()).to.equal(supply);
  });

  it("no redo when the settlement Pending after the reorg has other terms: the affirmation's revert, nothing affirmed or issued", async function () {
    // after the reorg the seller's lock under the ID carries another amount
    const other = await FirmClient.connect({
      runner: new Wallet(key(SELLER), direct),
      addresses,
      transactions: { policy: FAST },
    });
    let otherTerms: SettlementTerms | undefined;
    const { parties, seen } = await reordering(async () => {
      const r = await other.createSettlement({ terms: otherTerms! });
      return r.hash;
    });
    const terms = await oneUnitTerms(direct, addresses, {
      id: ref("affirm-before-other-lock"),
      buyer,
      amount: AMOUNT,
    });
    otherTerms = { ...terms, amount: AMOUNT + 1n };
    const nonce = await direct.getTransactionCount(buyer);
    const supply = (await dcjpy.totalSupply()) as bigint;
    const err = await expectError(
      settleTrade({ ...parties, agent: undefined, terms }),
      DvpUnexpectedState,
      { id: terms.id, current: 0n, expectedStates: "0x" + "0".repeat(63) + "2" },
    );
    expect(err.txHash).to.equal(seen.reordered!.affirm);
    // the buyer sent the one affirmation, mined reverted; the other terms' settlement Pending
    expect(await direct.getTransactionCount(buyer)).to.equal(nonce + 1);
    expect((await direct.getTransactionReceipt(seen.reordered!.affirm))!.status).to.equal(0);
    expect(await dvp.stateOf(terms.id)).to.equal(1n); // Pending
    expect(await affirmations(terms.id)).to.have.length(0);
    expect(await dcjpy.totalSupply()).to.equal(supply);
    expect(await dcjpy.balanceOf(buyer)).to.equal(0n);
  });
});

describe("sdk: settleTradeSendKey of step 2 once its redo was sent", function () {
  const ID = "0x" + "cd".repeat(32);
  const scope = { chainId: 31337n, dvp: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };
  const notMined = { receipt: async () => null };
  const entry = (key: string, state: JournalState): JournalEntry => ({
    key,
    chainId: "31337",
    from: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    request: { to: scope.dvp, data: "0x01", value: "0" },
    state,
    nonce: 7,
    txs: [{ hash: "0x" + "11".repeat(32), at: 1 }],
    updatedAt: 1,
  });

  it("a restarted trade waits for the redo (attempt 1), not the reverted first affirmation", async function () {
    const journal = new MemoryJournal();
    const base = settleTradeKey(scope, ID, "affirm");
    const redo = settleTradeKey(scope, ID, "affirm", 1);
    expect(redo).to.equal(`${base}:1`);
    await journal.put(entry(base, "reverted"));
    expect(await settleTradeSendKey(journal, notMined, scope, ID, "affirm")).to.equal(base);
    await journal.put(entry(redo, "signed"));
    expect(await settleTradeSendKey(journal, notMined, scope, ID, "affirm")).to.equal(redo);
    // attempt 1 of another step that is not renewable: only step 2 has one
    await journal.put(entry(settleTradeKey(scope, ID, "issue", 1), "signed"));
    expect(await settleTradeSendKey(journal, notMined, scope, ID, "issue")).to.equal(
      settleTradeKey(scope, ID, "issue"),
    );
  });
});
