import { expect } from "chai";
import { HDNodeWallet, Mnemonic } from "ethers";
import { DvpTermsMismatch, FirmClient, QueuedSigner, buildTerms } from "../../../sdk/src/index.js";
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

    await k.clients.issuer.issue({ to: sellerW.address, value: 10n * BigInt(N) });
    await k.clients.bank.issue({
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

    await buyer.approve({ amount: 1_000_000n * BigInt(N) });
    // One refused transaction in the middle must not leave a nonce gap behind it.
    const results = await Promise.allSettled([
      ...terms.slice(0, N / 2).map((t) => buyer.settle({ terms: t })),
      buyer.settle({ terms: { ...terms[0], amount: 1n } }), // terms mismatch: refused at estimation
      ...terms.slice(N / 2).map((t) => buyer.settle({ terms: t })),
    ]);
    const rejected = results.filter((r) => r.status === "rejected");
    expect(rejected.map((_r) => results.indexOf(_r))).to.deep.equal([N / 2]);
    await expectError(Promise.reject(rejected[0].reason), DvpTermsMismatch, { id: terms[0].id });
    const states = await Promise.all(terms.map((t) => k.contracts.dvp.stateOf(t.id)));
    expect(states.every((s) => s === 3n)).to.equal(true);
    const bal = await buyer.balances();
    expect(bal.security.balance).to.equal(10n * BigInt(N));
  });
});
