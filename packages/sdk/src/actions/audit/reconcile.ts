import { ZeroAddress, getAddress, type Log } from "ethers";
import type { KessaiContext } from "../../context/connect.js";
import { readCall } from "../../context/send.js";
import { toAddress, toBlock } from "../../utils/validate.js";
import { settlementStateName, type SettlementStateName } from "../../constants/enums.js";
import { termsFromResult, type SettlementTerms } from "../../settlement/terms.js";

/** Parameters of {@link reconcile}. */
export interface ReconcileParams {
  fromBlock?: number;
  /** Default: the latest block. */
  toBlock?: number;
  /** Restrict settlements and balance checks to this account. */
  party?: string;
}

/** One token movement of a settlement (a Transfer event of the settling transaction). */
export interface Leg {
  from: string;
  to: string;
  value: bigint;
  txHash: string;
}
/** A settlement touched in the reconciled range, with its legs and any issue found. */
export interface ReconciledSettlement {
  id: string;
  state: SettlementStateName;
  terms: SettlementTerms | undefined;
  /** The ST and DCJPY Transfer events of the settling transaction (when settled in range). */
  legs: { security?: Leg; cash?: Leg };
  issues: string[];
}
/** An account's balance change over the range compared with its Transfer events. */
export interface BalanceCheck {
  token: "security" | "deposit";
  account: string;
  before: bigint;
  after: bigint;
  /** Net of the Transfer events in range. */
  eventDelta: bigint;
  ok: boolean;
}
/** DCJPY supply against the issued and redeemed totals and events. */
export interface SupplyCheck {
  totalSupply: bigint;
  totalIssued: bigint;
  totalRedeemed: bigint;
  /** Σ Issued − Σ Redeemed over all events up to `toBlock`. */
  eventNet: bigint;
  ok: boolean;
}
/** The outcome of {@link reconcile}; `ok` when `mismatches` is empty. */
export interface ReconcileReport {
  fromBlock: number;
  toBlock: number;
  settlements: ReconciledSettlement[];
  balances: BalanceCheck[];
  supply: SupplyCheck;
  /** Every mismatch found, one line each. Empty when everything reconciles. */
  mismatches: string[];
  ok: boolean;
}
/** What {@link reconcile} resolves to. */
export type ReconcileResult = ReconcileReport;

/**
 * Reconciles a block range: every settlement touched in the range with its two legs (from the
 * settling transaction's Transfer events), each account's ST and DCJPY balance change against the
 * Transfer events, and DCJPY supply against `totalIssued − totalRedeemed` and against the Issued and
 * Redeemed events. Needs a node that serves historical state (`eth_call` at past blocks).
 */
export async function reconcile(
  ctx: KessaiContext,
  p: ReconcileParams = {},
): Promise<ReconcileReport> {
  const party = p.party === undefined ? undefined : toAddress(p.party, "party");
  const fromBlock = toBlock(p.fromBlock, "fromBlock") ?? 0;
  const toBlk =
    toBlock(p.toBlock, "toBlock") ??
    (await readCall("getBlockNumber", () => ctx.provider.getBlockNumber()));
  const { dvp, securityToken: st, depositToken: dt } = ctx;
  const mismatches: string[] = [];

  const [dvpLogs, stTransfers, dtTransfers, createdAll, issuedAll, redeemedAll] = await readCall(
    "reconcile.logs",
    () =>
      Promise.all([
        ctx.provider.getLogs({ address: ctx.addresses.dvp, fromBlock, toBlock: toBlk }),
        st.queryFilter(st.filters.Transfer(), fromBlock, toBlk),
        dt.queryFilter(dt.filters.Transfer(), fromBlock, toBlk),
        dvp.queryFilter(dvp.filters.SettlementCreated(), 0, toBlk),
        dt.queryFilter(dt.filters.Issued(), 0, toBlk),
        dt.queryFilter(dt.filters.Redeemed(), 0, toBlk),
      ]),
  );

  // ---------------------------------------------------------------- settlements
  const termsById = new Map<string, SettlementTerms>();
  for (const l of createdAll)
    termsById.set(String(l.args.id).toLowerCase(), termsFromResult(l.args.terms));
  const touched = new Map<string, Log[]>();
  for (const l of dvpLogs) {
    let ev;
    try {
      ev = dvp.interface.parseLog(l);
    } catch {
      continue;
    }
    if (!ev || !ev.name.startsWith("Settlement") || ev.args.id === undefined) continue;
    const id = String(ev.args.id).toLowerCase();
    if (!touched.has(id)) touched.set(id, []);
    if (ev.name === "SettlementSettled") touched.get(id)!.push(l);
  }
  const settlements: ReconciledSettlement[] = [];
  for (const [id, settledLogs] of touched) {
    const terms = termsById.get(id);
    if (party && terms && terms.seller !== party && terms.buyer !== party) continue;
    const rec = await readCall("dvp.settlementOf", () => dvp.settlementOf(id, { blockTag: toBlk }));
    const state = settlementStateName(rec.state);
    const issues: string[] = [];
    const legs: ReconciledSettlement["legs"] = {};
    if (!terms) issues.push("no SettlementCreated event");
    if (settledLogs.length > 1) issues.push(`settled ${settledLogs.length} times`);
    if (settledLogs.length === 1 && terms) {
      const txHash = settledLogs[0].transactionHash;
      const find = (list: typeof stTransfers) =>
        list
          .filter((t) => t.transactionHash === txHash)
          .map((t) => ({
            from: t.args.from,
            to: t.args.to,
            value: t.args.value,
            txHash,
          }));
      const sLegs = find(stTransfers).filter(
        (x) => x.from === terms.seller && x.to === terms.buyer,
      );
      const cLegs = find(dtTransfers).filter(
        (x) => x.from === terms.buyer && x.to === terms.seller,
      );
      legs.security = sLegs.find((x) => x.value === terms.quantity) ?? sLegs[0];
      legs.cash = cLegs.find((x) => x.value === terms.amount) ?? cLegs[0];
      if (!legs.security || legs.security.value !== terms.quantity) {
        issues.push(`security leg missing or wrong (expected ${terms.quantity} seller->buyer)`);
      }
      if (!legs.cash || legs.cash.value !== terms.amount) {
        issues.push(`cash leg missing or wrong (expected ${terms.amount} buyer->seller)`);
      }
      if (state !== "Settled") issues.push(`SettlementSettled emitted but state is ${state}`);
    }
    if (state === "Settled" && settledLogs.length === 0 && terms) {
      const anySettled = await readCall("dvp.SettlementSettled", () =>
        dvp.queryFilter(dvp.filters.SettlementSettled(id), 0, toBlk),
      );
      if (anySettled.length !== 1)
        issues.push("state Settled without exactly one SettlementSettled event");
    }
    for (const i of issues) mismatches.push(`settlement ${id}: ${i}`);
    settlements.push({ id, state, terms, legs, issues });
  }

  // ---------------------------------------------------------------- balances
  const balances: BalanceCheck[] = [];
  const check = async (token: "security" | "deposit", transfers: typeof stTransfers) => {
    const c = token === "security" ? st : dt;
    const deltas = new Map<string, bigint>();
    for (const t of transfers) {
      if (t.args.from !== ZeroAddress)
        deltas.set(t.args.from, (deltas.get(t.args.from) ?? 0n) - t.args.value);
      if (t.args.to !== ZeroAddress)
        deltas.set(t.args.to, (deltas.get(t.args.to) ?? 0n) + t.args.value);
    }
    const accounts = party ? [party] : [...deltas.keys()];
    for (const account of accounts) {
      const [before, after] = await readCall(`${token}.balanceOf`, () =>
        Promise.all([
          fromBlock === 0 ? Promise.resolve(0n) : c.balanceOf(account, { blockTag: fromBlock - 1 }),
          c.balanceOf(account, { blockTag: toBlk }),
        ]),
      );
      const eventDelta = deltas.get(getAddress(account)) ?? 0n;
      const ok = after - before === eventDelta;
      if (!ok)
        mismatches.push(
          `${token} balance of ${account}: ${before} -> ${after}, Transfer events say ${eventDelta}`,
        );
      balances.push({ token, account, before, after, eventDelta, ok });
    }
  };
  await check("security", stTransfers);
  await check("deposit", dtTransfers);

  // ---------------------------------------------------------------- DCJPY supply
  const o = { blockTag: toBlk };
  const [totalSupply, totalIssued, totalRedeemed] = await readCall("deposit.supply", () =>
    Promise.all([dt.totalSupply(o), dt.totalIssued(o), dt.totalRedeemed(o)]),
  );
  const eventNet =
    issuedAll.reduce((a, l) => a + l.args.amount, 0n) -
    redeemedAll.reduce((a, l) => a + l.args.amount, 0n);
  const supplyOk = totalSupply === totalIssued - totalRedeemed && totalSupply === eventNet;
  if (totalSupply !== totalIssued - totalRedeemed) {
    mismatches.push(
      `DCJPY totalSupply ${totalSupply} != totalIssued ${totalIssued} - totalRedeemed ${totalRedeemed}`,
    );
  }
  if (totalSupply !== eventNet)
    mismatches.push(`DCJPY totalSupply ${totalSupply} != Σ Issued - Σ Redeemed ${eventNet}`);
  // Every mint / burn Transfer in range must be matched by an Issued / Redeemed event.
  const inRange = (l: { blockNumber: number }) =>
    l.blockNumber >= fromBlock && l.blockNumber <= toBlk;
  const mints = dtTransfers
    .filter((t) => t.args.from === ZeroAddress)
    .reduce((a, t) => a + t.args.value, 0n);
  const burns = dtTransfers
    .filter((t) => t.args.to === ZeroAddress)
    .reduce((a, t) => a + t.args.value, 0n);
  const issuedInRange = issuedAll.filter(inRange).reduce((a, l) => a + l.args.amount, 0n);
  const redeemedInRange = redeemedAll.filter(inRange).reduce((a, l) => a + l.args.amount, 0n);
  if (mints !== issuedInRange)
    mismatches.push(`DCJPY minted ${mints} in range but Issued events say ${issuedInRange}`);
  if (burns !== redeemedInRange)
    mismatches.push(`DCJPY burnt ${burns} in range but Redeemed events say ${redeemedInRange}`);

  return {
    fromBlock,
    toBlock: toBlk,
    settlements,
    balances,
    supply: { totalSupply, totalIssued, totalRedeemed, eventNet, ok: supplyOk },
    mismatches,
    ok: mismatches.length === 0,
  };
}
