import { ZeroAddress, getAddress, type Log } from "ethers";
import type { KessaiContext } from "../../context/connect.js";
import { readCall } from "../../context/send.js";
import { toAddress, toBlock } from "../../utils/validate.js";
import { settlementStateName, type SettlementStateName } from "../../constants/enums.js";
import { termsFromResult, type SettlementTerms } from "../../settlement/terms.js";
import { tradeReference } from "../../utils/reference.js";

/** Parameters of {@link reconcile}. */
export interface ReconcileParams {
  fromBlock?: number;
  /** Default: the latest block. */
  toBlock?: number;
  /** Restrict settlements and balance checks to this account. */
  party?: string;
  /**
   * An open settlement whose deadline is at most this many seconds after the block time of
   * `toBlock` is reported as `near-deadline` (default 3,600).
   */
  nearDeadlineSeconds?: number;
}

/**
 * Unfinished business found by {@link reconcile}:
 * - `past-deadline`: an open settlement (Pending or Affirmed) whose deadline has passed: it can
 *   no longer settle; reclaim it (the seller's units are still locked).
 * - `near-deadline`: an open settlement within `nearDeadlineSeconds` of its deadline.
 * - `issued-waiting`: DCJPY issued for an open settlement (under the issuance reference derived
 *   from its ID, `tradeReference(id, "issuance")`, as `settleTrade` uses by default) and not paid.
 * - `unassigned-lock`: units locked to the DVP that belong to no settlement
 *   (`unassignedLockOf`).
 */
export interface UnfinishedItem {
  kind: "past-deadline" | "near-deadline" | "issued-waiting" | "unassigned-lock";
  /** The settlement, for the settlement kinds. */
  id?: string;
  state?: SettlementStateName;
  deadline?: bigint;
  /** The buyer (issued-waiting) or the holder (unassigned-lock). */
  account?: string;
  /** DCJPY waiting (issued-waiting) or units locked (unassigned-lock). */
  amount?: bigint;
  /** One line saying what is unfinished. */
  detail: string;
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
  /** True when the books reconcile (`mismatches` is empty). */
  ok: boolean;
  /** Open settlements past or near their deadline, DCJPY waiting in them, orphan locks. */
  unfinished: UnfinishedItem[];
  /** True when the books reconcile and nothing is unfinished. */
  clean: boolean;
}
/** What {@link reconcile} resolves to. */
export type ReconcileResult = ReconcileReport;

/**
 * Reconciles a block range: every settlement touched in the range with its two legs (from the
 * settling transaction's Transfer events), each account's ST and DCJPY balance change against the
 * Transfer events, and DCJPY supply against `totalIssued − totalRedeemed` and against the Issued and
 * Redeemed events. Needs a node that serves historical state (`eth_call` at past blocks).
 *
 * It also reports unfinished business as of `toBlock` ({@link UnfinishedItem}): every open
 * settlement past or near its deadline, DCJPY issued for an open settlement and not yet paid,
 * units locked to the DVP without a settlement. Those do not make `ok` false (the books still
 * reconcile) but `clean`; a seller's lock bucket that differs from its open settlements plus its
 * unassigned units is a mismatch.
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

  const unfinished = await unfinishedBusiness(ctx, {
    termsById,
    issuedAll,
    party,
    toBlk,
    near: BigInt(p.nearDeadlineSeconds ?? 3600),
    mismatches,
  });

  return {
    fromBlock,
    toBlock: toBlk,
    settlements,
    balances,
    supply: { totalSupply, totalIssued, totalRedeemed, eventNet, ok: supplyOk },
    mismatches,
    ok: mismatches.length === 0,
    unfinished,
    clean: mismatches.length === 0 && unfinished.length === 0,
  };
}

/** The {@link UnfinishedItem}s as of `toBlk`; a lock bucket that does not add up is a mismatch. */
async function unfinishedBusiness(
  ctx: KessaiContext,
  o: {
    termsById: Map<string, SettlementTerms>;
    issuedAll: { args: { bankReference: string; amount: bigint }; blockNumber: number }[];
    party: string | undefined;
    toBlk: number;
    near: bigint;
    mismatches: string[];
  },
): Promise<UnfinishedItem[]> {
  const { dvp, securityToken: st } = ctx;
  const at = { blockTag: o.toBlk };
  const all = [...o.termsById.entries()].filter(
    ([, t]) => !o.party || t.seller === o.party || t.buyer === o.party,
  );
  const [block, states] = await Promise.all([
    readCall("getBlock", () => ctx.provider.getBlock(o.toBlk)),
    readCall("dvp.stateOf", () => Promise.all(all.map(([id]) => dvp.stateOf(id, at)))),
  ]);
  const now = BigInt(block?.timestamp ?? 0);
  const issued = new Map<string, bigint>();
  for (const l of o.issuedAll)
    if (l.blockNumber <= o.toBlk)
      issued.set(String(l.args.bankReference).toLowerCase(), l.args.amount);
  const out: UnfinishedItem[] = [];
  // open quantity per seller on this deployment's security token
  const openQty = new Map<string, bigint>();
  const sellers = new Set<string>();
  const token = getAddress(ctx.addresses.securityToken);
  all.forEach(([id, t], i) => {
    if (t.securityToken === token) sellers.add(t.seller);
    const state = settlementStateName(states[i]);
    if (state !== "Pending" && state !== "Affirmed") return;
    if (t.securityToken === token)
      openQty.set(t.seller, (openQty.get(t.seller) ?? 0n) + t.quantity);
    if (t.deadline < now)
      out.push({
        kind: "past-deadline",
        id,
        state,
        deadline: t.deadline,
        detail: `settlement ${id} is ${state} and its deadline ${t.deadline} has passed (block time ${now}): reclaim it`,
      });
    else if (t.deadline - now <= o.near)
      out.push({
        kind: "near-deadline",
        id,
        state,
        deadline: t.deadline,
        detail: `settlement ${id} is ${state} and its deadline ${t.deadline} is ${t.deadline - now} s away`,
      });
    const waiting = issued.get(tradeReference(id, "issuance"));
    if (waiting !== undefined)
      out.push({
        kind: "issued-waiting",
        id,
        state,
        account: t.buyer,
        amount: waiting,
        detail: `${waiting} DCJPY issued to ${t.buyer} for settlement ${id} (${state}) is not paid`,
      });
  });
  if (o.party) sellers.add(o.party);
  const list = [...sellers];
  const books = await readCall("dvp.unassignedLockOf", () =>
    Promise.all(
      list.map((a) =>
        Promise.all([dvp.unassignedLockOf(token, a, at), st.lockedOf(ctx.addresses.dvp, a, at)]),
      ),
    ),
  );
  list.forEach((account, i) => {
    const [unassigned, locked] = books[i];
    if (unassigned > 0n)
      out.push({
        kind: "unassigned-lock",
        account,
        amount: unassigned,
        detail: `${unassigned} units of ${account} are locked to the DVP without a settlement`,
      });
    const open = openQty.get(account) ?? 0n;
    if (locked !== open + unassigned)
      o.mismatches.push(
        `DVP lock of ${account}: ${locked} locked, open settlements ${open} + unassigned ${unassigned}`,
      );
  });
  return out;
}
