/**
 * The fixture of the settleCrossLedgerTrades tests: two in-process ledgers (ST ledger 31338, cash
 * ledger 31339) with a block every 40 ms, the seller's and the buyer's clients on both, and the
 * verifier service on an SQLite file of its own, opened but not started.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Wallet, ZeroAddress, id as keccakId, type Provider, type Signer } from "ethers";
import { network } from "hardhat";
import { openSqliteStore, type Store } from "@kessai/storage";
import {
  CashLedgerClient,
  StLedgerClient,
  crossLedgerTradeTerms,
  parseTradeFile,
} from "../../../packages/sdk/src/index.js";
import type {
  CrossLedgerTerms,
  CrossLedgerTradeLedgers,
  Trade,
} from "../../../packages/sdk/src/index.js";
import { Verifier } from "../../../packages/verifier/src/index.js";
import {
  TWO_LEDGER_ACCOUNTS as A,
  deployTwoLedgers,
  devKey,
} from "../../../scripts/two-ledger-deploy.js";
import type { TwoLedgers } from "../../../scripts/two-ledger-deploy.js";

export const HEADER =
  "venue,tradeId,tradeDate,settlementDate,securityToken,seller,buyer,quantity,price,amount,agent";
/** The date `o` days from today, as a trade file writes it. */
export const day = (o: number) => new Date(Date.now() + o * 86_400_000).toISOString().slice(0, 10);

export interface XledgerTrades {
  L: TwoLedgers;
  seller: CrossLedgerTradeLedgers;
  buyer: CrossLedgerTradeLedgers;
  store: Store;
  verifier: Verifier;
  verifierAddress: string;
  /**
   * Trade lines between the two firms, one per quantity, read as a file; the seller is issued
   * `units` more and the buyer the DCJPY the trades cost.
   */
  tradesOf(quantities: bigint[], units: bigint): Promise<Trade[]>;
  /** The two-ledger terms of `trade` on this fixture's ledgers. */
  termsOf(trade: Trade): CrossLedgerTerms;
  /** Both firms' units and DCJPY, the seller's lock and the payment contract's escrow. */
  books(): Promise<Record<string, bigint>>;
  stop(): Promise<void>;
}

/**
 * The verifier service on `store` for the in-process ledgers `L` (its development key), with one
 * confirmation and short polls, opened but not started.
 */
export async function openInProcessVerifier(L: TwoLedgers, store: Store): Promise<Verifier> {
  const key = devKey(A.verifier);
  return await Verifier.open({
    store,
    st: {
      sender: new Wallet(key, L.st.ethers.provider as unknown as Provider),
      contract: L.delivery,
    },
    cash: {
      sender: new Wallet(key, L.cash.ethers.provider as unknown as Provider),
      contract: L.payment,
    },
    attester: new Wallet(key) as Signer,
    confirmations: 1,
    pollMs: 50,
    txPolicy: { pollIntervalMs: 20, stallCheckMs: 200, timeoutMs: 60_000 },
    backoff: { initialDelayMs: 50, multiplier: 2, maxDelayMs: 200, jitter: 0 },
  });
}

/** The seller's and the buyer's clients on both ledgers of `L`, naming `verifier`. */
export async function tradeParties(
  L: TwoLedgers,
  verifier: string,
): Promise<{ seller: CrossLedgerTradeLedgers; buyer: CrossLedgerTradeLedgers }> {
  const stSigners = await L.st.ethers.getSigners();
  const cashSigners = await L.cash.ethers.getSigners();
  const party = async (i: number): Promise<CrossLedgerTradeLedgers> => ({
    st: await StLedgerClient.connect({ runner: stSigners[i], delivery: L.delivery }),
    cash: await CashLedgerClient.connect({ runner: cashSigners[i], payment: L.payment }),
    cashToken: L.dcjpy,
    verifier,
  });
  return { seller: await party(A.seller), buyer: await party(A.buyer) };
}

export async function startXledgerTrades(): Promise<XledgerTrades> {
  const st = await network.create("stLedger");
  const cash = await network.create("cashLedger");
  const L = await deployTwoLedgers(st, cash);
  const miner = setInterval(() => {
    void st.provider.request({ method: "evm_mine" }).catch(() => undefined);
    void cash.provider.request({ method: "evm_mine" }).catch(() => undefined);
  }, 40);
  const verifierAddress = new Wallet(devKey(A.verifier)).address;
  const stSigners = await st.ethers.getSigners();
  const cashSigners = await cash.ethers.getSigners();
  const { seller, buyer } = await tradeParties(L, verifierAddress);
  const dir = await mkdtemp(path.join(tmpdir(), "kessai-xl-trades-"));
  const store = await openSqliteStore({ filename: path.join(dir, "verifier.db") });
  const verifier = await openInProcessVerifier(L, store);
  const bond = await L.st.ethers.getContractAt("StraightBondToken", L.bond);
  const dcjpy = await L.cash.ethers.getContractAt("DepositToken", L.dcjpy);
  let seq = 0;

  return {
    L,
    seller,
    buyer,
    store,
    verifier,
    verifierAddress,
    async tradesOf(quantities, units) {
      await (
        await bond.connect(stSigners[A.issuer]).issue(seller.st.address, ZeroAddress, units)
      ).wait();
      const lines = quantities.map((q) =>
        [
          "ODX",
          `XL-${++seq}`,
          day(0),
          day(1),
          L.bond,
          seller.st.address,
          buyer.cash.address,
          String(q),
          "1000",
          "",
          "",
        ].join(","),
      );
      const file = parseTradeFile([HEADER, ...lines].join("\n"));
      expect(file.errors).to.deep.equal([]);
      const total = file.trades.reduce((s, t) => s + t.amount, 0n);
      await (
        await dcjpy
          .connect(cashSigners[A.bank])
          .issue(buyer.cash.address, total, keccakId(`debit ${seq}`))
      ).wait();
      return file.trades;
    },
    termsOf: (trade) =>
      crossLedgerTradeTerms(trade, {
        stChainId: seller.st.ctx.chainId,
        stLedger: L.delivery,
        cashChainId: seller.cash.ctx.chainId,
        cashLedger: L.payment,
        cashToken: L.dcjpy,
        verifier: verifierAddress,
      }),
    async books() {
      return {
        sellerUnits: await bond.balanceOf(seller.st.address),
        buyerUnits: await bond.balanceOf(buyer.cash.address),
        locked: await bond.lockedOf(L.delivery, seller.st.address),
        buyerCash: await dcjpy.balanceOf(buyer.cash.address),
        sellerCash: await dcjpy.balanceOf(seller.st.address),
        escrow: await dcjpy.balanceOf(L.payment),
      };
    },
    async stop() {
      clearInterval(miner);
      await verifier.stop();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
