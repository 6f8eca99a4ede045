import { expect } from "chai";
import {
  HDNodeWallet,
  Mnemonic,
  Transaction,
  Wallet,
  type Provider,
  type TransactionRequest,
} from "ethers";
import {
  DvpTermsMismatch,
  FirmClient,
  QueuedSigner,
  buildTerms,
} from "../../../packages/sdk/src/index.js";
import { deployKessai, ref, type Kessai } from "./fixture.js";
import { expectError } from "./helpers.js";

const MNEMONIC = "test test test test test test test test test test test junk";
const N = 50;

describe("sdk concurrency (per-signer nonce queue)", function () {
  let k: Kessai;
  before(async function () {
    k = await deployKessai();
  });

  it(`submits ${N} settlements at once from one locally-signing wallet, then settles them at once`, async function () {
    this.timeout(60_000);
    // Local wallets (not node-managed accounts): the SDK must pick every nonce itself.
    const wallet = (i: number) =>
      HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${i}`).connect(
        k.ethers.provider,
      );
    const sellerW = wallet(3);
    const buyerW = wallet(4);
    expect(sellerW.address).to.equal(k.signers.seller.address);
    const seller = await FirmClient.connect({ runner: sellerW, addresses: k.addresses });
    const buyer = await FirmClient.connect({ runner: buyerW, addresses: k.addresses });
    expect(seller.ctx.signer).to.be.instanceOf(QueuedSigner);

    await k.clients.issuer.issueSecurity({ to: sellerW.address, value: 10n * BigInt(N) });
    await k.clients.bank.issueDeposit({
      account: buyerW.address,
      amount: 1_000_000n * BigInt(N),
      bankReference: ref("conc-fund"),
    });
    const terms = await Promise.all(
      Array.from({ length: N }, () => k.newTerms()).map(async (t) => buildTerms(await t)),
    );
    const n0 = await k.ethers.provider.getTransactionCount(sellerW.address);

    const created = await Promise.all(terms.map((t) => seller.createSettlement({ terms: t })));
    expect(new Set(created.map((c) => c.hash)).size).to.equal(N);
    expect(await k.ethers.provider.getTransactionCount(sellerW.address)).to.equal(n0 + N);

    await buyer.approveDeposit({ amount: 1_000_000n * BigInt(N) });
    // One refused transaction in the middle must not leave a nonce gap behind it.
    const results = await Promise.allSettled([
      ...terms.slice(0, N / 2).map((t) => buyer.settleSettlement({ terms: t })),
      buyer.settleSettlement({ terms: { ...terms[0], amount: 1n } }), // terms mismatch: refused at estimation
      ...terms.slice(N / 2).map((t) => buyer.settleSettlement({ terms: t })),
    ]);
    const rejected = results.filter((r) => r.status === "rejected");
    expect(rejected.map((_r) => results.indexOf(_r))).to.deep.equal([N / 2]);
    await expectError(Promise.reject(rejected[0].reason), DvpTermsMismatch, { id: terms[0].id });
    const states = await Promise.all(terms.map((t) => k.contracts.dvp.stateOf(t.id)));
    expect(states.every((s) => s === 3n)).to.equal(true);
    const bal = await buyer.getBalances();
    expect(bal.security.balance).to.equal(10n * BigInt(N));
  });

  /**
   * A provider whose `calls`-th eth_sendRawTransaction (1-based, counted from `arm()`) throws
   * before reaching the node, as an RPC refusal would: that transaction never enters the pool.
   */
  function refusingProvider(inner: Provider) {
    let count = 0;
    let failAt = 0;
    let delayMs = 0;
    const refused: number[] = [];
    const proxy = new Proxy(inner, {
      get(target, prop) {
        if (prop === "broadcastTransaction") {
          return async (signed: string) => {
            if (++count === failAt) {
              refused.push(Transaction.from(signed).nonce);
              if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
              throw new Error("injected: eth_sendRawTransaction refused by the node");
            }
            return target.broadcastTransaction(signed);
          };
        }
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    return {
      provider: proxy,
      refused,
      /** Refuses the `calls`-th broadcast from now on, `delay` ms after it was sent. */
      arm(calls: number, delay = 0) {
        count = 0;
        failAt = calls;
        delayMs = delay;
      },
    };
  }

  /** Nonces of the transactions `from` sent in blocks (from, to]. */
  async function minedNonces(from: string, fromBlock: number, toBlock: number) {
    const out: { nonce: number; to: string | null; value: bigint; data: string }[] = [];
    for (let b = fromBlock + 1; b <= toBlock; b++) {
      const block = await k.ethers.provider.getBlock(b, true);
      for (const tx of block!.prefetchedTransactions) {
        if (tx.from === from)
          out.push({ nonce: tx.nonce, to: tx.to, value: tx.value, data: tx.data });
      }
    }
    return out.sort((a, b) => a.nonce - b.nonce);
  }

  /**
   * M concurrent settlements from a fresh account (index `account`, signing locally through a
   * refusing provider) with the 8th broadcast refused `delay` ms after it was sent; asserts
   * every other one mined, the hole filled, and no gap in the account's nonces.
   */
  async function refusedInTheMiddle(account: number, delay: number) {
    const M = 20;
    const refusing = refusingProvider(k.ethers.provider);
    const w = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${account}`);
    await k.clients.issuer.registerInvestor({
      account: w.address,
      investorRef: ref(`hole-${account}`),
    });
    // a seller must be able to be paid: step 1 checks its DCJPY account
    await k.clients.bank.openDepositAccount({
      account: w.address,
      depositAccountRef: ref(`hole-${account}`),
    });
    await k.clients.issuer.issueSecurity({ to: w.address, value: 10n * BigInt(M + 1) });
    const seller = await FirmClient.connect({
      runner: w.connect(refusing.provider),
      addresses: k.addresses,
    });
    const terms = await Promise.all(
      Array.from({ length: M }, () => k.newTerms({ seller: w.address })).map(async (t) =>
        buildTerms(await t),
      ),
    );
    const n0 = await k.ethers.provider.getTransactionCount(w.address);
    const b0 = await k.ethers.provider.getBlockNumber();

    refusing.arm(8, delay); // the 8th broadcast, in the middle of the burst
    const results = await Promise.allSettled(
      terms.map((t) => seller.createSettlement({ terms: t })),
    );
    const rejected = results.flatMap((r, i) => (r.status === "rejected" ? [{ i, r }] : []));
    expect(rejected.length).to.equal(1);
    expect(String((rejected[0].r as PromiseRejectedResult).reason.message)).to.match(/injected/);
    expect(refusing.refused).to.have.length(1);
    const hole = refusing.refused[0];
    expect(hole).to.be.within(n0, n0 + M - 2); // not the last nonce: a real hole

    // Every other transaction was mined and registered its settlement (Pending = 1).
    const states = await Promise.all(terms.map((t) => k.contracts.dvp.stateOf(t.id)));
    states.forEach((s, i) => expect(s).to.equal(i === rejected[0].i ? 0n : 1n));

    // The hole is filled, by a later settlement or by a gap filler: the account's mined nonces
    // are n0, n0+1, ... without a gap, the hole among them.
    let count = 0;
    for (let i = 0; i < 100; i++) {
      count = await k.ethers.provider.getTransactionCount(w.address);
      if (
        count >= n0 + M - 1 &&
        (await k.ethers.provider.getTransactionCount(w.address, "pending")) === count
      )
        break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const mined = await minedNonces(w.address, b0, await k.ethers.provider.getBlockNumber());
    expect(mined.map((m) => m.nonce)).to.deep.equal(
      Array.from({ length: count - n0 }, (_, i) => n0 + i),
    );
    const atHole = mined.find((m) => m.nonce === hole)!;
    const fillers = mined.filter((m) => m.to === w.address);
    for (const f of fillers) {
      expect(f.value).to.equal(0n); // gap filler: zero-value self-transfer
      expect(f.data).to.equal("0x");
    }
    expect(mined.length).to.equal(M - 1 + fillers.length);

    // The account carries on at the next nonce: nothing is stuck.
    const more = await seller.createSettlement({ terms: await k.newTerms({ seller: w.address }) });
    expect((await k.ethers.provider.getTransaction(more.hash))!.nonce).to.equal(count);
    return { atHole, fillers, w };
  }

  it("fills the hole a refused broadcast leaves among concurrent sends of one account", async function () {
    this.timeout(60_000);
    // Refused at once, in the middle of the burst: a later settlement still waiting for the lock
    // takes the hole, or (if none is waiting by then) a gap filler does.
    const { atHole, fillers, w } = await refusedInTheMiddle(12, 0);
    if (fillers.length === 0) expect(atHole.to).to.equal(k.addresses.securityToken);
    else expect(atHole.to).to.equal(w.address);
  });

  it("fills the hole with a gap filler when no transaction is waiting", async function () {
    this.timeout(60_000);
    // Refused 300 ms later, once every other settlement was dispatched: nothing waits for the
    // lock, so the queue sends a zero-value self-transfer with the hole's nonce.
    const { atHole, fillers, w } = await refusedInTheMiddle(14, 300);
    expect(atHole.to).to.equal(w.address);
    expect(fillers).to.have.length(1);
  });

  it("gives the hole to the next transaction waiting for the lock", async function () {
    this.timeout(60_000);
    // A local key whose signing can be held, so later sends wait for the account's lock.
    class GatedWallet extends Wallet {
      gate: Promise<void> | undefined;
      override async signTransaction(tx: TransactionRequest): Promise<string> {
        await this.gate;
        return super.signTransaction(tx);
      }
    }
    let refuse!: () => void;
    const refusal = new Promise<void>((r) => (refuse = r));
    let calls = 0;
    let refusedNonce = -1;
    const inner = k.ethers.provider;
    const provider = new Proxy(inner, {
      get(target, prop) {
        if (prop === "broadcastTransaction") {
          return async (signed: string) => {
            calls++;
            if (calls === 2) {
              refusedNonce = Transaction.from(signed).nonce;
              await refusal; // refused only once later sends are waiting for the lock
              throw new Error("injected: eth_sendRawTransaction refused by the node");
            }
            return target.broadcastTransaction(signed);
          };
        }
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const key = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/15`);
    const w = new GatedWallet(key.privateKey, provider);
    await k.clients.issuer.registerInvestor({ account: w.address, investorRef: ref("gated") });
    // a seller must be able to be paid: step 1 checks its DCJPY account
    await k.clients.bank.openDepositAccount({
      account: w.address,
      depositAccountRef: ref("gated"),
    });
    await k.clients.issuer.issueSecurity({ to: w.address, value: 10n });
    // The hole's own filler is far off (gapFillMs): only the waiting send may take the hole.
    const seller = await FirmClient.connect({
      runner: w,
      addresses: k.addresses,
      transactions: { policy: { gapFillMs: 60_000 } },
    });
    const to = k.signers.buyer.address;
    const n0 = await k.ethers.provider.getTransactionCount(w.address);
    const b0 = await k.ethers.provider.getBlockNumber();

    // Three sends dispatched (nonces n0, n0+1 refused later, n0+2 waiting for n0+1).
    const first = Promise.allSettled(
      [1, 2, 3].map(() => seller.transferSecurity({ to, value: 1n })),
    );
    for (let i = 0; i < 200 && calls < 3; i++) await new Promise((r) => setTimeout(r, 5));
    expect(calls).to.equal(3);
    // Hold signing: the 4th send holds the lock (nonce n0+3), the 5th waits for it.
    let open!: () => void;
    w.gate = new Promise<void>((r) => (open = r));
    const later = Promise.allSettled([4, 5].map(() => seller.transferSecurity({ to, value: 1n })));
    await new Promise((r) => setTimeout(r, 100));
    refuse();
    await new Promise((r) => setTimeout(r, 20)); // the hole is recorded; no gap filler is due
    w.gate = undefined;
    open();
    const results = [...(await first), ...(await later)];
    expect(results.map((r) => r.status)).to.deep.equal([
      "fulfilled",
      "rejected",
      "fulfilled",
      "fulfilled",
      "fulfilled",
    ]);
    expect(refusedNonce).to.equal(n0 + 1);
    const mined = await minedNonces(w.address, b0, await k.ethers.provider.getBlockNumber());
    expect(mined.map((m) => m.nonce)).to.deep.equal([n0, n0 + 1, n0 + 2, n0 + 3]);
    // The hole went to the 5th send (a transfer to the ST, not a gap filler).
    expect(mined.every((m) => m.to === k.addresses.securityToken)).to.equal(true);
    const fifth = (results[4] as PromiseFulfilledResult<{ hash: string }>).value;
    expect((await k.ethers.provider.getTransaction(fifth.hash))!.nonce).to.equal(n0 + 1);
  });

  it("steps the counter back when the refused broadcast was the account's last one", async function () {
    const refusing = refusingProvider(k.ethers.provider);
    const w = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/13`);
    await k.clients.issuer.registerInvestor({
      account: w.address,
      investorRef: ref("last-seller"),
    });
    // a seller must be able to be paid: step 1 checks its DCJPY account
    await k.clients.bank.openDepositAccount({
      account: w.address,
      depositAccountRef: ref("last-seller"),
    });
    await (await k.signers.admin.sendTransaction({ to: w.address, value: 10n ** 18n })).wait();
    await k.clients.issuer.issueSecurity({ to: w.address, value: 20n });
    const seller = await FirmClient.connect({
      runner: w.connect(refusing.provider),
      addresses: k.addresses,
    });
    const n0 = await k.ethers.provider.getTransactionCount(w.address);
    refusing.arm(1);
    let failed: unknown;
    try {
      await seller.transferSecurity({ to: k.signers.buyer.address, value: 1n });
    } catch (e) {
      failed = e;
    }
    expect(String((failed as Error).message)).to.match(/injected/);
    await new Promise((r) => setTimeout(r, 50)); // a gap filler would have been sent by now
    expect(await k.ethers.provider.getTransactionCount(w.address)).to.equal(n0);
    const r = await seller.transferSecurity({ to: k.signers.buyer.address, value: 1n });
    expect((await k.ethers.provider.getTransaction(r.hash))!.nonce).to.equal(n0);
    expect(await k.ethers.provider.getTransactionCount(w.address)).to.equal(n0 + 1);
  });
});
