/**
 * The chain watcher: reads DCJPY's Issued, Redeemed and IssuanceRequested events block range by
 * block range, and applies each once it has the configured confirmations, in one transaction per
 * range with the inbox records (keyed by chain, block hash, transaction hash and log index) and
 * the cursor. A process killed anywhere re-reads from the cursor; a re-read event finds itself in
 * the inbox and changes nothing.
 *
 * - Issued(ref): posts the issuance's hold (deposit → dedicated) and marks it issued. An Issued
 *   the gateway did not ask for (or whose hold it voided) is booked suspense → dedicated, so the
 *   dedicated account still equals the supply, and reconciliation names it.
 * - Redeemed(ref): credits the firm's deposit account from the dedicated account once per
 *   reference; the firm is the one whose DCJPY address burnt, else the one whose deposit-account
 *   reference DCJPY bound that address to; else suspense.
 * - IssuanceRequested: a hold and a fulfilment through the outbox, or a rejection when the firm
 *   is unknown, not open, frozen, or short of funds.
 *
 * Unconfirmed events (newer than head − confirmations) change no balance: they are kept as
 * sightings, which move a request to "mined"; a reorg that removes one moves it back to "sent",
 * and an issuance whose transaction is gone from the chain is sent again.
 */
import { cursors, inbox, outbox, sql, type Tx } from "@kessai/storage";
import type { DepositChainEvent } from "../chain/port.js";
import { LEDGER_MAX_AMOUNT } from "../domain/amounts.js";
import {
  DEDICATED_ACCOUNT,
  SUSPENSE_ACCOUNT,
  depositAccountId,
  requestIssuanceReference,
} from "../domain/references.js";
import { postIssuanceHolds } from "../store/issuance-path.js";
import { getAccount, lockAccounts, resolvePending, transfer } from "../store/ledger.js";
import {
  firmByAddress,
  firmByDepositRef,
  insertIssuance,
  issuanceByReference,
  issuanceByRequest,
  listIssuances,
  moveIssuance,
  moveRedemption,
  redemptionByReference,
  type Firm,
} from "../store/records.js";
import { databaseNow, type GatewayContext } from "./context.js";
import { TOPIC } from "./firm-requests.js";
import { newId } from "./ids.js";

export const WATCH_CONSUMER = "gateway.dcjpy";

/** A reorg deeper than the confirmations removed a block the gateway had applied. */
export class DeepReorgError extends Error {
  override name = "DeepReorgError";
  constructor(
    readonly blockNumber: number,
    readonly applied: string,
    readonly canonical: string | undefined,
  ) {
    super(
      `Block ${blockNumber} was applied as ${applied} but the chain now has ${canonical ?? "no block"} there: a reorg deeper than the confirmations; stopping`,
    );
  }
}

/** What one poll did. */
export interface WatchReport {
  head: number;
  /** The last confirmed block now applied. */
  cursor: number | undefined;
  applied: number;
  sightings: number;
  reorgedSightings: number;
  resent: number;
}

/** One poll: applies confirmed ranges up to head − confirmations, then refreshes sightings. */
export async function watchOnce(ctx: GatewayContext): Promise<WatchReport> {
  const head = await ctx.chain.head();
  const safe = head.number - ctx.settings.confirmations;
  const report: WatchReport = {
    head: head.number,
    cursor: undefined,
    applied: 0,
    sightings: 0,
    reorgedSightings: 0,
    resent: 0,
  };
  let cursor = await cursors.get(ctx.store, { consumer: WATCH_CONSUMER, chainId: ctx.chainId });
  if (cursor) {
    const canonical = await ctx.chain.blockHash(cursor.blockNumber);
    if (canonical?.toLowerCase() !== cursor.blockHash) {
      throw new DeepReorgError(cursor.blockNumber, cursor.blockHash, canonical);
    }
  }
  let from = cursor ? cursor.blockNumber + 1 : ctx.settings.startBlock;
  while (from <= safe) {
    const to = Math.min(safe, from + ctx.settings.maxBlockRange - 1);
    const [events, toHash] = await Promise.all([
      ctx.chain.events(from, to),
      ctx.chain.blockHash(to),
    ]);
    if (!toHash) break;
    const owners = await redeemerFirms(ctx, events);
    ctx.crashPoint?.("watch.before-commit");
    const applied = await ctx.store.transaction(
      async (tx) => {
        const now = databaseNow(ctx);
        const fresh: DepositChainEvent[] = [];
        for (const e of events) {
          const { recorded } = await inbox.record(tx, {
            consumer: WATCH_CONSUMER,
            event: { chainId: ctx.chainId, ...e },
            payload: inboxPayload(e),
            now,
          });
          if (recorded) fresh.push(e);
        }
        await cursors.advance(tx, {
          consumer: WATCH_CONSUMER,
          chainId: ctx.chainId,
          blockNumber: to,
          blockHash: toHash.toLowerCase(),
          now,
        });
        await tx.run(
          sql`DELETE FROM gw_sightings WHERE chain_id = ${ctx.chainId} AND block_number <= ${to}`,
        );
        // Every account the range's events may write, locked at once in ID order before any is
        // written (store/ledger.ts): events applied one by one would lock in chain order, and a
        // range with A's hold then B's redemption would hold A's deposit account while it waits
        // for B's, which a batch of fundings may hold while it waits for A's. A range of Issued
        // events alone needs none of this: they are posted in one statement that locks their
        // accounts in ID order itself.
        if (fresh.some((e) => e.kind !== "issued")) {
          await lockAccounts(tx, await accountsOf(tx, fresh, owners));
        }
        // PostgreSQL: the Issued events that confirm an issuance, all posted in one statement,
        // the last before COMMIT when the range has nothing else (the dedicated account's lock is
        // then held for one round trip, not from the range's first event on). Before the range's
        // other events: a post changes no available balance but the dedicated account's, which
        // it raises (a redemption in the same range may need it).
        const posted =
          tx.dialect === "postgres"
            ? await postIssuanceHolds(
                tx,
                fresh.filter(
                  (e): e is Extract<DepositChainEvent, { kind: "issued" }> =>
                    e.kind === "issued" && e.amount <= LEDGER_MAX_AMOUNT,
                ),
              )
            : new Map<string, string>();
        for (const e of fresh) {
          const issuanceId = e.kind === "issued" ? posted.get(e.reference) : undefined;
          if (issuanceId === undefined) await apply(ctx, tx, e, owners);
          else
            ctx.log.info(
              {
                reference: e.kind === "issued" ? e.reference : undefined,
                txHash: e.txHash,
                issuanceId,
              },
              "issuance confirmed; hold posted",
            );
        }
        return fresh.length;
      },
      { isolation: "read-committed" },
    );
    ctx.crashPoint?.("watch.after-commit");
    report.applied += applied;
    if (applied) ctx.log.info({ from, to, applied }, "confirmed events applied");
    from = to + 1;
  }
  cursor = await cursors.get(ctx.store, { consumer: WATCH_CONSUMER, chainId: ctx.chainId });
  report.cursor = cursor?.blockNumber;
  const s = await refreshSightings(ctx, Math.max(from, safe + 1), head.number);
  report.sightings = s.seen;
  report.reorgedSightings = s.removed;
  report.resent = await resendLost(ctx, safe);
  return report;
}

/** The inbox keeps what reconciliation needs as plain JSON (the amount as a decimal string). */
function inboxPayload(e: DepositChainEvent) {
  switch (e.kind) {
    case "issued":
      return {
        kind: e.kind,
        ref: `issuance:${e.reference}`,
        account: e.account,
        amount: e.amount.toString(),
      };
    case "redeemed":
      return {
        kind: e.kind,
        ref: `redemption:${e.reference}`,
        account: e.account,
        amount: e.amount.toString(),
        operator: e.operator,
      };
    case "issuanceRequested":
      return {
        kind: e.kind,
        requestId: e.requestId.toString(),
        account: e.account,
        amount: e.amount.toString(),
        depositAccountRef: e.depositAccountRef,
      };
  }
}

/**
 * For redemptions by addresses the gateway does not know: the deposit account DCJPY bound the
 * address to, read at the block before the burn (the account may be closed right after).
 */
async function redeemerFirms(ctx: GatewayContext, events: DepositChainEvent[]) {
  const owners = new Map<string, Firm | undefined>();
  for (const e of events) {
    if (e.kind !== "redeemed" || owners.has(e.account)) continue;
    let f = await firmByAddress(ctx.store, e.account);
    if (!f) {
      const acc = await ctx.chain.account(e.account, Math.max(0, e.blockNumber - 1));
      if (acc.depositAccountRef) f = await firmByDepositRef(ctx.store, acc.depositAccountRef);
    }
    owners.set(e.account, f);
  }
  return owners;
}

/**
 * The ledger accounts that applying `events` may write: the dedicated account; for an Issued
 * event, its issuance's deposit account (the hold) and suspense; for a Redeemed event, the
 * redeeming firm's deposit account and suspense; for an IssuanceRequested event, the requesting
 * firm's deposit account (the hold). An issuance requested and issued in the same range is
 * covered by its request.
 */
async function accountsOf(
  tx: Tx,
  events: readonly DepositChainEvent[],
  owners: Map<string, Firm | undefined>,
): Promise<string[]> {
  const ids = new Set([DEDICATED_ACCOUNT]);
  for (const e of events) {
    let firmId: string | undefined;
    if (e.kind === "issued") {
      ids.add(SUSPENSE_ACCOUNT);
      const accountId = (await issuanceByReference(tx, e.reference))?.accountId;
      if (accountId !== undefined) ids.add(accountId);
    } else if (e.kind === "redeemed") {
      ids.add(SUSPENSE_ACCOUNT);
      firmId = owners.get(e.account)?.id;
    } else {
      firmId = (
        (await firmByDepositRef(tx, e.depositAccountRef)) ?? (await firmByAddress(tx, e.account))
      )?.id;
    }
    if (firmId !== undefined) ids.add(depositAccountId(firmId));
  }
  return [...ids];
}

async function apply(
  ctx: GatewayContext,
  tx: Tx,
  e: DepositChainEvent,
  owners: Map<string, Firm | undefined>,
): Promise<void> {
  const at = { txHash: e.txHash, blockNumber: e.blockNumber };
  if (e.kind === "issued") {
    const log = ctx.log.child({ reference: e.reference, txHash: e.txHash });
    const i = await issuanceByReference(tx, e.reference);
    const matches =
      i &&
      i.holdTransferId !== undefined &&
      i.state !== "failed" &&
      i.amount === e.amount &&
      i.to === e.account;
    if (i && matches) {
      await resolvePending(tx, {
        pendingId: i.holdTransferId!,
        action: "post",
        key: `issuance:${e.reference}:post`,
        description: `DCJPY issued in ${e.txHash}`,
      });
      await moveIssuance(tx, i.id, ["pending", "sent", "mined"], "issued", at);
      log.info(
        { issuanceId: i.id, amount: e.amount.toString() },
        "issuance confirmed; hold posted",
      );
      return;
    }
    await suspense(
      ctx,
      tx,
      "issuance",
      e.reference,
      e.amount,
      SUSPENSE_ACCOUNT,
      DEDICATED_ACCOUNT,
      `Issued without a matching hold in ${e.txHash}`,
    );
    log.error(
      { amount: e.amount.toString(), account: e.account },
      "Issued without a matching hold: booked to suspense",
    );
    return;
  }
  if (e.kind === "redeemed") {
    const log = ctx.log.child({ reference: e.reference, txHash: e.txHash });
    const firm = owners.get(e.account);
    const account = firm ? await getAccount(tx, depositAccountId(firm.id)) : undefined;
    if (!account || account.status !== "open" || e.amount > LEDGER_MAX_AMOUNT) {
      await suspense(
        ctx,
        tx,
        "redemption",
        e.reference,
        e.amount,
        DEDICATED_ACCOUNT,
        SUSPENSE_ACCOUNT,
        `Redeemed by ${e.account} with no open deposit account, ${e.txHash}`,
      );
      log.error(
        { amount: e.amount.toString(), account: e.account },
        "Redeemed without a deposit account: booked to suspense",
      );
      return;
    }
    const t = await transfer(tx, {
      key: `redemption:${e.reference}`,
      kind: "posted",
      debitAccountId: DEDICATED_ACCOUNT,
      creditAccountId: account.id,
      amount: e.amount,
      reference: `redemption:${e.reference}`,
      description: `DCJPY redeemed in ${e.txHash}`,
    });
    const r = await redemptionByReference(tx, e.reference);
    if (r)
      await moveRedemption(tx, r.id, ["pending", "sent", "mined", "failed"], "credited", {
        ...at,
        creditTransferId: t.transfer.id,
      });
    log.info(
      { firmId: firm!.id, amount: e.amount.toString() },
      "redemption confirmed; deposit credited",
    );
    return;
  }
  // IssuanceRequested
  if (await issuanceByRequest(tx, e.requestId)) return;
  const reference = requestIssuanceReference(ctx.chainId, ctx.chain.tokenAddress(), e.requestId);
  const log = ctx.log.child({ reference, requestId: e.requestId.toString() });
  const firm =
    (await firmByDepositRef(tx, e.depositAccountRef)) ?? (await firmByAddress(tx, e.account));
  const accountId = firm ? depositAccountId(firm.id) : undefined;
  // Both accounts of the hold below, in the one order (store/ledger.ts), before either is written.
  const account = accountId
    ? (await lockAccounts(tx, [DEDICATED_ACCOUNT, accountId])).get(accountId)
    : undefined;
  let refusal: string | undefined;
  if (!firm || !account) refusal = "UNKNOWN_DEPOSIT_ACCOUNT";
  else if (firm.status !== "open" || account.status !== "open") refusal = "ACCOUNT_NOT_OPEN";
  else if (firm.frozen) refusal = "ACCOUNT_FROZEN";
  else if (e.amount > ctx.settings.maxAmount) refusal = "AMOUNT_TOO_LARGE";
  else if (account.balances.available < e.amount) refusal = "INSUFFICIENT_FUNDS";
  const id = newId("iss");
  const now = databaseNow(ctx);
  if (refusal) {
    await insertIssuance(tx, {
      id,
      firmId: firm?.id,
      accountId: account?.id,
      source: "chain",
      requestId: e.requestId,
      reference,
      to: e.account,
      amount: e.amount,
      state: "rejecting",
      holdTransferId: undefined,
      createdAt: now,
      errorCode: refusal,
      errorMessage: `on-chain request ${e.requestId} refused: ${refusal}`,
    });
    await outbox.enqueue(tx, {
      topic: TOPIC.reject,
      key: reference,
      payload: { issuanceId: id },
      maxAttempts: ctx.settings.worker.maxAttempts,
      now: databaseNow(ctx),
    });
    log.warn({ refusal }, "on-chain issuance request refused");
    return;
  }
  const hold = await transfer(tx, {
    key: `issuance:${reference}:hold`,
    kind: "pending",
    debitAccountId: account!.id,
    creditAccountId: DEDICATED_ACCOUNT,
    amount: e.amount,
    reference: `issuance:${reference}`,
    description: `hold for on-chain issuance request ${e.requestId}`,
    now,
  });
  await insertIssuance(tx, {
    id,
    firmId: firm!.id,
    accountId: account!.id,
    source: "chain",
    requestId: e.requestId,
    reference,
    to: e.account,
    amount: e.amount,
    state: "pending",
    holdTransferId: hold.transfer.id,
    createdAt: now,
  });
  await outbox.enqueue(tx, {
    topic: TOPIC.fulfil,
    key: reference,
    payload: { issuanceId: id },
    maxAttempts: ctx.settings.worker.maxAttempts,
    now: databaseNow(ctx),
  });
  log.info(
    { firmId: firm!.id, amount: e.amount.toString() },
    "on-chain issuance request held; fulfilling",
  );
}

async function suspense(
  ctx: GatewayContext,
  tx: Tx,
  what: "issuance" | "redemption",
  reference: string,
  amount: bigint,
  debit: string,
  credit: string,
  description: string,
) {
  if (amount > LEDGER_MAX_AMOUNT) {
    ctx.log.error(
      { reference, amount: amount.toString() },
      "amount beyond the ledger's range: not booked",
    );
    return;
  }
  await transfer(tx, {
    key: `${what}:${reference}:suspense`,
    kind: "posted",
    debitAccountId: debit,
    creditAccountId: credit,
    amount,
    reference: `${what}:${reference}`,
    description,
  });
}

/** Records unconfirmed events in (from..to) and forgets those a reorg removed. */
async function refreshSightings(ctx: GatewayContext, from: number, to: number) {
  const events = from <= to ? await ctx.chain.events(from, to) : [];
  const seen = events.filter(
    (e): e is Extract<DepositChainEvent, { kind: "issued" | "redeemed" }> =>
      e.kind === "issued" || e.kind === "redeemed",
  );
  const key = (e: { blockHash: string; txHash: string; logIndex: number }) =>
    `${e.blockHash}/${e.txHash}/${e.logIndex}`;
  const fresh = new Set(seen.map(key));
  return ctx.store.transaction(async (tx) => {
    const old =
      await tx.all(sql`SELECT block_number, block_hash, tx_hash, log_index, kind, reference FROM gw_sightings
      WHERE chain_id = ${ctx.chainId}`);
    let removed = 0;
    for (const r of old) {
      const k = key({
        blockHash: r.block_hash as string,
        txHash: r.tx_hash as string,
        logIndex: Number(r.log_index),
      });
      if (fresh.has(k)) continue;
      await tx.run(sql`DELETE FROM gw_sightings WHERE chain_id = ${ctx.chainId} AND block_hash = ${r.block_hash as string}
        AND tx_hash = ${r.tx_hash as string} AND log_index = ${Number(r.log_index)}`);
      if (Number(r.block_number) < from) continue; // confirmed since: the inbox has it
      removed++;
      const ref = r.reference as string;
      ctx.log.warn(
        { reference: ref, blockHash: r.block_hash },
        "a reorg removed an unconfirmed event",
      );
      if (r.kind === "issued") {
        const i = await issuanceByReference(tx, ref);
        if (i) await moveIssuance(tx, i.id, ["mined"], "sent");
      } else {
        const rd = await redemptionByReference(tx, ref);
        if (rd) await moveRedemption(tx, rd.id, ["mined"], "sent");
      }
    }
    for (const e of seen) {
      const { rowCount } =
        await tx.run(sql`INSERT INTO gw_sightings (chain_id, block_number, block_hash, tx_hash, log_index, kind, reference)
        VALUES (${ctx.chainId}, ${e.blockNumber}, ${e.blockHash}, ${e.txHash}, ${e.logIndex}, ${e.kind}, ${e.reference})
        ON CONFLICT DO NOTHING`);
      if (rowCount === 0) continue;
      const at = { txHash: e.txHash, blockNumber: e.blockNumber };
      if (e.kind === "issued") {
        const i = await issuanceByReference(tx, e.reference);
        if (i) await moveIssuance(tx, i.id, ["pending", "sent"], "mined", at);
      } else {
        const rd = await redemptionByReference(tx, e.reference);
        if (rd) await moveRedemption(tx, rd.id, ["pending", "sent"], "mined", at);
      }
    }
    return { seen: seen.length, removed };
  });
}

/**
 * Issuances marked sent in a block that is confirmed by now, but whose event never came: the
 * transaction left the chain (a reorg) and was not mined again. If DCJPY has no issuance under
 * the reference, the issuance is sent again (a new outbox item).
 */
async function resendLost(ctx: GatewayContext, safe: number): Promise<number> {
  const cursor = await cursors.get(ctx.store, { consumer: WATCH_CONSUMER, chainId: ctx.chainId });
  if (!cursor) return 0;
  const sent = await listIssuances(ctx.store, { states: ["sent"] });
  let n = 0;
  for (const i of sent) {
    if (i.blockNumber === undefined || i.blockNumber > Math.min(safe, cursor.blockNumber)) continue;
    if (await ctx.chain.issuanceOf(i.reference)) continue;
    const done = await ctx.store.transaction(async (tx) => {
      if (!(await moveIssuance(tx, i.id, ["sent"], "pending", { txHash: null, blockNumber: null })))
        return false;
      await outbox.enqueue(tx, {
        topic: i.source === "api" ? TOPIC.issue : TOPIC.fulfil,
        key: `${i.reference}:resend:${newId("r")}`,
        payload: { issuanceId: i.id },
        maxAttempts: ctx.settings.worker.maxAttempts,
        now: databaseNow(ctx),
      });
      return true;
    });
    if (done) {
      n++;
      ctx.log.warn(
        { reference: i.reference, issuanceId: i.id, lostTx: i.txHash },
        "issuance transaction left the chain; sending again",
      );
    }
  }
  return n;
}
