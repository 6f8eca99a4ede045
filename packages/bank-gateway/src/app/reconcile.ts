/**
 * Reconciliation: the dedicated account against DCJPY's supply, and every confirmed Issued and
 * Redeemed event against the ledger, by reference, in both directions, with set-based SQL (one
 * query for the matching, one for the running totals), so its time grows with the tables, not
 * with round trips. The match is one grouping of events and postings together by reference, so it
 * needs no index on an intermediate result: a join of the grouped events with the grouped postings
 * left SQLite a full scan of the events per posting (a correlated `NOT EXISTS` over a materialised
 * CTE), quadratic in the postings.
 *
 * It runs at the watcher's cursor: the last block whose events the ledger has applied. Read in
 * one read-only transaction, the cursor, the inbox and the ledger agree with each other; the
 * chain is then asked for the supply at that block.
 */
import type { GatewayDifferenceJson, GatewayReconciliationJson } from "@kessai/sdk/gateway";
import { cursors, sql, toBigInt, type Queryable } from "@kessai/storage";
import { DEDICATED_ACCOUNT, SUSPENSE_ACCOUNT } from "../domain/references.js";
import { checkTotals, getAccount, type TotalsMismatch } from "../store/ledger.js";
import type { GatewayContext } from "./context.js";
import { WATCH_CONSUMER } from "./watcher.js";
import { ConflictError } from "../domain/errors.js";

/** One reference on which the ledger and the chain's events disagree (the API's JSON). */
export type Difference = GatewayDifferenceJson;
/** The API's reconciliation body, typed against the client's wire type. */
export type ReconciliationReport = GatewayReconciliationJson;

const num = (v: unknown) => (v === null || v === undefined ? null : toBigInt(v).toString());

/** The matching query: events (inbox) against postings to the dedicated account, by reference. */
async function matchByReference(
  q: Queryable,
  chainId: number,
  block: number,
): Promise<{ diffs: Difference[]; issued: number; redeemed: number }> {
  const ref = sql.dialect({
    postgres: sql`payload->>'ref'`,
    sqlite: sql`json_extract(payload, '$.ref')`,
  });
  const kind = sql.dialect({
    postgres: sql`payload->>'kind'`,
    sqlite: sql`json_extract(payload, '$.kind')`,
  });
  const amount = sql.dialect({
    postgres: sql`(payload->>'amount')::numeric`,
    sqlite: sql`CAST(json_extract(payload, '$.amount') AS INTEGER)`,
  });
  // One pass over both sides grouped by reference (no join, no correlated subquery): events and
  // postings side by side, a reference with anything but one of each and equal amounts is a
  // difference. The amount sums are NULL on a side with no row.
  const rows = await q.all(sql`
    WITH sides AS (
      SELECT ${ref} AS ref, 1 AS e, 0 AS p, ${amount} AS ea, NULL AS pa FROM kessai_inbox
      WHERE consumer = ${WATCH_CONSUMER} AND chain_id = ${chainId} AND block_number <= ${block}
        AND ${kind} IN ('issued', 'redeemed')
      UNION ALL
      SELECT reference, 0, 1, NULL, amount FROM gw_transfers
      WHERE (kind IN ('post_pending', 'posted') AND credit_account_id = ${DEDICATED_ACCOUNT} AND reference LIKE 'issuance:%')
         OR (kind = 'posted' AND debit_account_id = ${DEDICATED_ACCOUNT} AND reference LIKE 'redemption:%')
    ), matched AS (
      SELECT ref, SUM(e) AS en, SUM(p) AS pn, SUM(ea) AS eamt, SUM(pa) AS pamt FROM sides GROUP BY ref
    )
    SELECT ref, en, pn, eamt, pamt FROM matched
    WHERE en <> 1 OR pn <> 1 OR eamt <> pamt
    ORDER BY ref`);
  const counts = await q.get<{ issued: unknown; redeemed: unknown }>(sql`
    SELECT SUM(CASE WHEN ${kind} = 'issued' THEN 1 ELSE 0 END) AS issued,
           SUM(CASE WHEN ${kind} = 'redeemed' THEN 1 ELSE 0 END) AS redeemed
    FROM kessai_inbox WHERE consumer = ${WATCH_CONSUMER} AND chain_id = ${chainId} AND block_number <= ${block}`);
  const diffs = rows.map((r): Difference => {
    const en = r.en === null || r.en === undefined ? 0 : Number(r.en);
    const pn = r.pn === null || r.pn === undefined ? 0 : Number(r.pn);
    const problem: Difference["problem"] =
      en === 0
        ? "posting_without_event"
        : pn === 0
          ? "missing_posting"
          : en > 1
            ? "duplicate_event"
            : pn > 1
              ? "duplicate_posting"
              : "amount_mismatch";
    return {
      reference: r.ref as string,
      problem,
      events: en,
      postings: pn,
      eventAmount: num(r.eamt),
      postedAmount: num(r.pamt),
    };
  });
  return { diffs, issued: Number(counts?.issued ?? 0), redeemed: Number(counts?.redeemed ?? 0) };
}

export async function reconcile(ctx: GatewayContext): Promise<ReconciliationReport> {
  const started = performance.now();
  const snapshot = await ctx.store.transaction(
    async (tx) => {
      const cursor = await cursors.get(tx, { consumer: WATCH_CONSUMER, chainId: ctx.chainId });
      if (!cursor) return undefined;
      const match = await matchByReference(tx, ctx.chainId, cursor.blockNumber);
      const dedicated = (await getAccount(tx, DEDICATED_ACCOUNT))!;
      const suspense = (await getAccount(tx, SUSPENSE_ACCOUNT))!;
      const suspenseCount = await tx.get<{ n: unknown }>(sql`SELECT COUNT(*) AS n FROM gw_transfers
        WHERE debit_account_id = ${SUSPENSE_ACCOUNT} OR credit_account_id = ${SUSPENSE_ACCOUNT}`);
      const holds = await tx.all(sql`SELECT p.reference, p.amount, p.created_at FROM gw_transfers p
        WHERE p.kind = 'pending' AND NOT EXISTS (SELECT 1 FROM gw_transfers r WHERE r.pending_id = p.id)
        ORDER BY p.id`);
      const totals: TotalsMismatch[] = await checkTotals(tx);
      return {
        cursor,
        match,
        dedicated,
        suspense,
        suspenseCount: Number(suspenseCount?.n ?? 0),
        holds,
        totals,
      };
    },
    { readOnly: true },
  );
  if (!snapshot) {
    throw new ConflictError("not_synced", "The watcher has not applied any block yet");
  }
  const supply = await ctx.chain.totalSupply(snapshot.cursor.blockNumber);
  const posted = snapshot.dedicated.balances.posted;
  const holdAmount = snapshot.holds.reduce((s, h) => s + toBigInt(h.amount), 0n);
  const report: ReconciliationReport = {
    ok: false,
    chainId: ctx.chainId,
    blockNumber: snapshot.cursor.blockNumber,
    blockHash: snapshot.cursor.blockHash,
    totalSupply: supply.toString(),
    dedicatedPosted: posted.toString(),
    supplyDifference: (posted - supply).toString(),
    events: { issued: snapshot.match.issued, redeemed: snapshot.match.redeemed },
    differences: snapshot.match.diffs,
    pendingHolds: {
      count: snapshot.holds.length,
      amount: holdAmount.toString(),
      items: snapshot.holds.slice(0, 100).map((h) => ({
        reference: h.reference as string,
        amount: toBigInt(h.amount).toString(),
        createdAt: new Date(h.created_at as string).toISOString(),
      })),
    },
    suspense: {
      posted: snapshot.suspense.balances.posted.toString(),
      postings: snapshot.suspenseCount,
    },
    totalsMismatches: snapshot.totals.map((m) => ({
      accountId: m.accountId,
      column: m.column,
      stored: m.stored.toString(),
      fromTransfers: m.fromTransfers.toString(),
    })),
    durationMs: 0,
  };
  report.ok =
    posted === supply && report.differences.length === 0 && report.totalsMismatches.length === 0;
  report.durationMs = Math.round(performance.now() - started);
  const level = report.ok ? "info" : "error";
  ctx.log[level](
    {
      blockNumber: report.blockNumber,
      ok: report.ok,
      differences: report.differences.length,
      supplyDifference: report.supplyDifference,
    },
    "reconciliation",
  );
  return report;
}
