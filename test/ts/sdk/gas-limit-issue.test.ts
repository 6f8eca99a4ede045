/**
 * A race of concurrent trades, made deterministic on anvil: the bank's `DepositToken.issue` is
 * estimated while DCJPY is in circulation and mined after a redemption that takes the supply back
 * to zero (the supply is then written from zero: 17,100 gas more). The default margin absorbs
 * that; with the bare estimate it runs out of gas and the engine sends it again under the same
 * key. DCJPY is issued once either way.
 */
import { expect } from "chai";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, Wallet, parseUnits } from "ethers";
import {
  BankClient,
  IssuerClient,
  contracts,
  type KessaiAddresses,
  type TxEvent,
  type TxPolicy,
} from "../../../packages/sdk/src/index.js";
import { startAnvil, type Anvil } from "./anvil.js";
import { ref } from "./fixture.js";
import { deployOverRpc } from "./hardhat-node.js";

const MNEMONIC = "test test test test test test test test test test test junk";
const key = (i: number) =>
  HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${i}`).privateKey;
const [DEPLOYER, ISSUER, BANK, AGENT, BUYER] = [0, 1, 2, 3, 4];

describe("DepositToken.issue estimated before the supply returns to zero (anvil)", function () {
  this.timeout(60_000);
  let anvil: Anvil;
  let provider: JsonRpcProvider;
  let addresses: KessaiAddresses;

  before(async function () {
    anvil = await startAnvil({ order: "fees" });
    provider = new JsonRpcProvider(anvil.url, undefined, {
      staticNetwork: true,
      pollingInterval: 20,
      cacheTimeout: -1,
    });
    addresses = await deployOverRpc(provider, {
      deployer: DEPLOYER,
      issuer: ISSUER,
      bank: BANK,
      agent: AGENT,
    });
    const issuer = await IssuerClient.connect({
      runner: new Wallet(key(ISSUER), provider),
      addresses,
    });
    const bank = await BankClient.connect({ runner: new Wallet(key(BANK), provider), addresses });
    const buyer = new Wallet(key(BUYER)).address;
    await issuer.registerInvestors({ investors: [{ account: buyer, investorRef: ref(buyer) }] });
    await bank.openDepositAccounts({
      accounts: [buyer],
      depositAccountRefs: [ref(`deposit:${buyer}`)],
    });
    await bank.issueDeposit({ account: buyer, amount: 1_000n, bankReference: ref("first") });
    bank.close();
    issuer.close();
  });
  after(async function () {
    provider?.destroy();
    await anvil?.stop();
  });

  /**
   * The bank issues 500 to the buyer while the buyer holds `held` (all the DCJPY there is), and the
   * buyer redeems it all in the same block, first (a higher tip), as other trades' sellers do.
   */
  async function race(held: bigint, policy: TxPolicy) {
    const buyer = new Wallet(key(BUYER), provider);
    const dcjpy = contracts.DepositToken__factory.connect(addresses.depositToken, buyer);
    expect(await dcjpy.totalSupply()).to.equal(held);
    const bank = await BankClient.connect({
      runner: new Wallet(key(BANK), provider),
      addresses,
      transactions: {
        policy: { pollIntervalMs: 20, stallCheckMs: 100, timeoutMs: 20_000, ...policy },
      },
    });
    const engine = bank.ctx.signer!.engine;
    const n0 = await provider.getTransactionCount(bank.address);
    const seen: TxEvent[] = [];
    engine.on((e) => seen.push(e));
    await anvil.rpc("evm_setAutomine", [false]);
    let mining: ReturnType<typeof setInterval> | undefined;
    try {
      const submitted = new Promise<TxEvent>((resolve) =>
        engine.on((e) => e.type === "submitted" && resolve(e)),
      );
      const issuing = bank.issueDeposit({
        account: buyer.address,
        amount: 500n,
        bankReference: ref(`issue:${held}`),
      });
      const first = await submitted;
      const redeeming = await dcjpy.redeem(held, ref(`redemption:${held}`), {
        maxPriorityFeePerGas: parseUnits("50", "gwei"),
        maxFeePerGas: parseUnits("100", "gwei"),
      });
      await anvil.mine();
      mining = setInterval(() => void anvil.mine().catch(() => undefined), 40);
      const r = await issuing;
      const block = (await provider.getBlock((await redeeming.wait())!.blockNumber))!;
      expect(block.transactions).to.deep.equal([redeeming.hash, first.hash]);
      expect(await dcjpy.balanceOf(buyer.address)).to.equal(500n);
      expect(await dcjpy.totalSupply()).to.equal(500n);
      return {
        r,
        first: first.hash,
        firstTx: (await provider.getTransaction(first.hash))!,
        firstReceipt: (await provider.getTransactionReceipt(first.hash))!,
        resent: seen.filter((e) => e.type === "resent"),
        sent: (await provider.getTransactionCount(bank.address)) - n0,
      };
    } finally {
      if (mining) clearInterval(mining);
      await anvil.rpc("evm_setAutomine", [true]);
      bank.close();
    }
  }

  it("the default margin absorbs it: one transaction, no resend", async function () {
    const { r, first, firstTx, resent, sent } = await race(1_000n, {});
    expect(r.hash).to.equal(first);
    expect(resent).to.deep.equal([]);
    expect(sent).to.equal(1);
    expect(r.gasUsed < firstTx.gasLimit).to.equal(true);
    this.test!.title += ` (limit ${firstTx.gasLimit}, used ${r.gasUsed})`;
  });

  it("with the bare estimate it runs out of gas once, is sent again with the same key, and issues once", async function () {
    const { r, first, firstTx, firstReceipt, resent, sent } = await race(500n, {
      gasMarginPercent: 0,
    });
    expect(firstReceipt.status).to.equal(0);
    expect(firstReceipt.gasUsed).to.equal(firstTx.gasLimit);
    expect(r.hashes).to.deep.equal([first, r.hash]);
    expect(resent.map((e) => e.previous)).to.deep.equal([first]);
    expect(sent).to.equal(2);
    const limit = (await provider.getTransaction(r.hash))!.gasLimit;
    this.test!.title += ` (limit ${firstTx.gasLimit} ran out; sent again with ${limit}, used ${r.gasUsed})`;
  });
});
