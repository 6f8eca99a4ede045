import { expect } from "chai";
import { id, Wallet, type JsonRpcProvider } from "ethers";
import {
  AuditorClient,
  BankClient,
  buildTerms,
  deriveSettlementId,
  FirmClient,
  IssuerClient,
  type KessaiAddresses,
  type SettlementTerms,
} from "../../../packages/sdk/src/index.js";
import {
  deployOverRpc,
  nodeKey,
  rpcProvider,
  startHardhatNode,
  type HardhatNode,
} from "./hardhat-node.js";

/** Settlements in the run (KESSAI_LOAD_N overrides; 500 by default). */
const N = Number(process.env.KESSAI_LOAD_N ?? 500);
if (!Number.isSafeInteger(N) || N <= 0) {
  throw new Error(`KESSAI_LOAD_N must be a positive integer, got ${process.env.KESSAI_LOAD_N}`);
}
const FIRMS = 4;
const QUANTITY = 3n;
const AMOUNT = 1_000n;
const ACCOUNTS = { deployer: 0, issuer: 1, bank: 2, agent: 3 };
const SELLER_ACCOUNTS = [4, 5, 6, 7];
const BUYER_ACCOUNTS = [8, 9, 10, 11];

/**
 * N settlements submitted at once by 4 seller firms and 4 buyer firms signing with local keys
 * (the SDK's nonce queue picks every nonce) against a separate `hardhat node` (automine):
 * every settlement settles exactly once, both legs match the terms, and the books reconcile.
 */
describe(`sdk load: ${N} concurrent settlements against a hardhat node`, function () {
  this.timeout(240_000);
  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let addresses: KessaiAddresses;

  before(async function () {
    node = await startHardhatNode();
    provider = rpcProvider(node.url);
    addresses = await deployOverRpc(provider, ACCOUNTS);
  });
  after(async function () {
    provider?.destroy();
    await node?.stop();
  });

  it("settles every trade exactly once, legs match, books reconcile", async function () {
    const as = (account: number) => ({
      runner: new Wallet(nodeKey(account), provider),
      addresses,
    });
    const issuer = await IssuerClient.connect(as(ACCOUNTS.issuer));
    const bank = await BankClient.connect(as(ACCOUNTS.bank));
    const auditor = await AuditorClient.connect({ runner: provider, addresses });
    const sellers = await Promise.all(SELLER_ACCOUNTS.map((a) => FirmClient.connect(as(a))));
    const buyers = await Promise.all(BUYER_ACCOUNTS.map((a) => FirmClient.connect(as(a))));
    const firms = [...sellers, ...buyers];

    // Register the eight firms with the issuer, open their DCJPY accounts at the bank and fund
    // them (through the SDK).
    const investors = firms.map((f, i) => ({ account: f.address, investorRef: id(`firm-${i}`) }));
    const startBlock = await provider.getBlockNumber();
    await Promise.all([
      issuer.registerInvestors({ investors }),
      bank.openDepositAccounts({
        accounts: firms.map((f) => f.address),
        depositAccountRefs: firms.map((_f, i) => id(`deposit-${i}`)),
      }),
    ]);
    const perSeller = BigInt(Math.ceil(N / FIRMS)) * QUANTITY;
    const perBuyer = BigInt(N) * AMOUNT; // enough whatever the split
    await issuer.bulkIssueSecurity({
      items: sellers.map((s) => ({ to: s.address, value: perSeller })),
    });
    await Promise.all(
      buyers.map((b, i) =>
        bank.issueDeposit({ account: b.address, amount: perBuyer, bankReference: id(`fund-${i}`) }),
      ),
    );
    await Promise.all(buyers.map((b) => b.approveDeposit({ amount: perBuyer })));

    const now = (await provider.getBlock("latest"))!.timestamp;
    const trades = Array.from({ length: N }, (_, i) => {
      const seller = sellers[i % FIRMS];
      const buyer = buyers[Math.floor(i / FIRMS) % FIRMS];
      const trade = {
        venue: "LOAD",
        tradeId: `L-${i}`,
        tradeDate: "2026-11-25",
        seller: seller.address,
        buyer: buyer.address,
        securityToken: addresses.securityToken,
        quantity: QUANTITY,
        amount: AMOUNT,
      };
      const terms = buildTerms({
        ...trade,
        id: deriveSettlementId(trade),
        cashToken: addresses.depositToken,
        deadline: now + 3600,
      });
      return { seller, buyer, terms };
    });
    expect(new Set(trades.map((t) => t.terms.id)).size).to.equal(N);

    // Everything at once: each trade is create (seller) then settle (buyer).
    const start = performance.now();
    const results = await Promise.all(
      trades.map(async ({ seller, buyer, terms }) => {
        await seller.createSettlement({ terms });
        return buyer.settleSettlement({ terms });
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    console.log(
      `      ${N} settlements (${2 * N} transactions) in ${seconds.toFixed(1)} s: ` +
        `${(N / seconds).toFixed(1)} settlements/s`,
    );
    expect(results.every((r) => r.settled)).to.equal(true);

    // Exactly one SettlementSettled per id, none for anything else.
    const dvp = sellers[0].ctx.dvp;
    const settled = await dvp.queryFilter(dvp.filters.SettlementSettled(), startBlock);
    const counts = new Map<string, number>();
    for (const e of settled) counts.set(e.args.id, (counts.get(e.args.id) ?? 0) + 1);
    expect(counts.size).to.equal(N);
    for (const { terms } of trades) expect(counts.get(terms.id), terms.id).to.equal(1);

    // Both legs of every settling transaction match its terms.
    const byId = new Map<string, SettlementTerms>(trades.map((t) => [t.terms.id, t.terms]));
    const st = sellers[0].ctx.securityToken;
    const dt = sellers[0].ctx.depositToken;
    const [stTransfers, dtTransfers] = await Promise.all([
      st.queryFilter(st.filters.Transfer(), startBlock),
      dt.queryFilter(dt.filters.Transfer(), startBlock),
    ]);
    const legs = (logs: typeof stTransfers) => {
      const m = new Map<string, { from: string; to: string; value: bigint }[]>();
      for (const l of logs) {
        const list = m.get(l.transactionHash) ?? [];
        list.push({ from: l.args.from, to: l.args.to, value: l.args.value });
        m.set(l.transactionHash, list);
      }
      return m;
    };
    const stLegs = legs(stTransfers);
    const dtLegs = legs(dtTransfers);
    for (const e of settled) {
      const t = byId.get(e.args.id)!;
      expect(stLegs.get(e.transactionHash)).to.deep.equal([
        { from: t.seller, to: t.buyer, value: t.quantity },
      ]);
      expect(dtLegs.get(e.transactionHash)).to.deep.equal([
        { from: t.buyer, to: t.seller, value: t.amount },
      ]);
    }

    // Positions: each firm moved exactly its trades' quantities and amounts.
    for (const f of sellers) {
      const n = BigInt(trades.filter((t) => t.seller === f).length);
      const b = await f.getBalances();
      expect(b.security.balance).to.equal(perSeller - n * QUANTITY);
      expect(b.security.locked).to.equal(0n);
      expect(b.deposit.balance).to.equal(n * AMOUNT);
    }
    for (const f of buyers) {
      const n = BigInt(trades.filter((t) => t.buyer === f).length);
      const b = await f.getBalances();
      expect(b.security.balance).to.equal(n * QUANTITY);
      expect(b.deposit.balance).to.equal(perBuyer - n * AMOUNT);
    }

    // Sellers redeem what they received; then the books reconcile end to end.
    await Promise.all(
      sellers.map(async (s, i) =>
        s.redeemDeposit({
          amount: (await s.getBalances()).deposit.balance,
          redemptionRef: id(`r-${i}`),
        }),
      ),
    );
    const report = await auditor.reconcile({ fromBlock: startBlock + 1 });
    expect(report.mismatches).to.deep.equal([]);
    expect(report.ok).to.equal(true);
    expect(report.settlements.filter((s) => s.state === "Settled")).to.have.length(N);
    const [supply, issued, redeemed] = await Promise.all([
      dt.totalSupply(),
      dt.totalIssued(),
      dt.totalRedeemed(),
    ]);
    expect(supply).to.equal(issued - redeemed);
    expect(issued).to.equal(perBuyer * BigInt(FIRMS));
    expect(redeemed).to.equal(BigInt(N) * AMOUNT);
    expect(await st.totalSupply()).to.equal(perSeller * BigInt(FIRMS));
  });
});
