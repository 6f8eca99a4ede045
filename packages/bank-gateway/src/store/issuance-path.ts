/**
 * The issuance path's writes on PostgreSQL, one statement (one round trip) each, where the
 * general functions of ledger.ts and records.ts take several: the gateway's transactions hold the
 * dedicated account's row lock from their first write to their commit, so every round trip inside
 * one is time every other writer waits. SQLite runs in the process (a statement costs no round
 * trip) and keeps the general functions.
 *
 * Nothing moves out of SQL: the hold still goes through gw_transfers' triggers and constraints
 * (running totals, no overdraft, open accounts), the references stay unique, and the accounts
 * are still locked in ID order before the insert.
 */
import { outbox, sql, type Queryable } from "@kessai/storage";
import { decodeJson, encodeJson, toBigInt, toNumber } from "@kessai/storage";
import { InsufficientFundsError, NotFoundError, PendingResolvedError } from "../domain/errors.js";
import { DEDICATED_ACCOUNT } from "../domain/references.js";
import { getStoredResponse, type StoredResponse } from "./records.js";
import { writtenAt } from "./time.js";

/** An API issuance request's rows: the hold, the issuance, its outbox item, its response. */
export interface IssuanceHold {
  issuanceId: string;
  firmId: string;
  accountId: string;
  /** The bank reference. */
  reference: string;
  to: string;
  amount: bigint;
  now: Date;
  holdDescription: string;
  item: outbox.EnqueueArgs;
  response: { scope: string; key: string; requestHash: string; status: number; body: unknown };
}

/**
 * Locks the firm's deposit account and the dedicated account (ID order, `FOR NO KEY UPDATE`: only
 * non-key columns change, so other transactions' foreign-key checks on them do not wait), and
 * writes the hold (if the available balance covers it), the issuance, the outbox item and the
 * stored response, all in one statement, unless a response is stored under the key already (an
 * earlier request in the same group commit, say): then it writes nothing and returns that one.
 * Throws {@link InsufficientFundsError} (nothing written) when the balance does not cover the
 * amount; a key or reference another transaction uses is a unique violation.
 */
export async function holdIssuance(
  q: Queryable,
  h: IssuanceHold,
): Promise<{ holdTransferId: number } | { earlier: StoredResponse }> {
  const now = writtenAt(h.now);
  const r = h.response;
  const row = await q.get(sql`WITH earlier AS (
      SELECT request_hash, status_code, response FROM gw_idempotency
      WHERE scope = ${r.scope} AND idempotency_key = ${r.key}
    ), locked AS (
      SELECT id, allow_overdraft, credits_posted - debits_posted - debits_pending AS available
      FROM gw_accounts WHERE id IN (${h.accountId}, ${DEDICATED_ACCOUNT}) ORDER BY id
      FOR NO KEY UPDATE
    ), hold AS (
      INSERT INTO gw_transfers (transfer_key, kind, debit_account_id, credit_account_id, amount, reference, description, created_at)
      SELECT ${`issuance:${h.reference}:hold`}::text, 'pending', id, ${DEDICATED_ACCOUNT}::text, ${h.amount}::bigint,
        ${`issuance:${h.reference}`}::text, ${h.holdDescription}::text, ${now}::timestamptz
      FROM locked WHERE id = ${h.accountId} AND (allow_overdraft OR available >= ${h.amount}::bigint)
        AND NOT EXISTS (SELECT 1 FROM earlier)
      RETURNING id
    ), issuance AS (
      INSERT INTO gw_issuances (id, firm_id, account_id, source, reference, to_address, amount, state, hold_transfer_id, created_at, updated_at)
      SELECT ${h.issuanceId}::text, ${h.firmId}::text, ${h.accountId}::text, 'api', ${h.reference}::text, ${h.to}::text,
        ${h.amount}::bigint, 'pending', hold.id, ${now}::timestamptz, ${now}::timestamptz
      FROM hold
    ), item AS (
      INSERT INTO kessai_outbox ${outbox.ITEM_INSERT_COLUMNS} SELECT ${outbox.itemRow(h.item)} FROM hold
    ), response AS (
      INSERT INTO gw_idempotency (scope, idempotency_key, request_hash, status_code, response, created_at)
      SELECT ${r.scope}::text, ${r.key}::text, ${r.requestHash}::text, ${r.status}::integer,
        ${encodeJson(r.body)}::jsonb, ${now}::timestamptz
      FROM hold
    )
    SELECT (SELECT id FROM hold) AS hold_id, available, earlier.*
    FROM locked LEFT JOIN earlier ON TRUE WHERE locked.id = ${h.accountId}`);
  if (!row) throw new NotFoundError("account_not_found", `No account ${h.accountId}`, "account");
  if (row.request_hash !== null && row.request_hash !== undefined) {
    return {
      earlier: {
        requestHash: row.request_hash as string,
        status: toNumber(row.status_code),
        body: decodeJson(row.response),
      },
    };
  }
  if (row.hold_id === null || row.hold_id === undefined) {
    // The statement's snapshot was taken before it waited for the account's lock: a request with
    // the same key that committed meanwhile is not in `earlier`, though its hold is in
    // `available`. A fresh read of the stored response tells a retry from a real shortfall.
    const stored = await getStoredResponse(q, h.response.scope, h.response.key);
    if (stored) return { earlier: stored };
    throw new InsufficientFundsError(h.accountId, toBigInt(row.available), h.amount);
  }
  return { holdTransferId: toNumber(row.hold_id) };
}

/** A confirmed Issued event, as the watcher applies it. */
export interface IssuedEvent {
  reference: string;
  account: string;
  /** At most the ledger's largest amount (a BIGINT). */
  amount: bigint;
  txHash: string;
  blockNumber: number;
}

/**
 * Posts the holds of the issuances these Issued events confirm and marks them issued, all in one
 * statement: an event counts if an issuance has its bank reference, account and amount and has
 * not failed. Returns the matched events' issuance IDs by reference; the others (nothing written
 * for them) are for the caller (an issuance made later in the same range, or suspense). The
 * accounts are locked in ID order before the posts and before the issuances are updated (the lock
 * order of ledger.ts: the post and the update both wait for `locked`, whichever PostgreSQL runs
 * first); a hold already posted is not posted again (its issuance is still marked issued), one
 * already voided is neither posted nor marked, and throws {@link PendingResolvedError}. A hold
 * voided by a transaction that commits while this statement waits for the accounts is a unique
 * violation (the statement's snapshot is older than the void): the watcher's range rolls back
 * and is applied again on its next poll, which finds the issuance failed.
 */
export async function postIssuanceHolds(
  q: Queryable,
  events: readonly IssuedEvent[],
  now?: Date,
): Promise<Map<string, string>> {
  if (events.length === 0) return new Map();
  const at = writtenAt(now);
  const batch = JSON.stringify(
    events.map((e) => ({
      reference: e.reference,
      account: e.account,
      amount: e.amount.toString(),
      tx_hash: e.txHash,
      block_number: e.blockNumber,
    })),
  );
  const rows = await q.all(sql`WITH ev AS (
      SELECT * FROM jsonb_to_recordset(${batch}::jsonb)
        AS ev(reference text, account text, amount bigint, tx_hash text, block_number bigint)
    ), i AS (
      SELECT i.id, i.hold_transfer_id, p.debit_account_id, p.credit_account_id, p.amount, p.reference,
        ev.reference AS bank_reference, ev.tx_hash, ev.block_number
      FROM ev
      JOIN gw_issuances i ON i.reference = ev.reference AND i.state <> 'failed'
        AND i.amount = ev.amount AND i.to_address = ev.account
      JOIN gw_transfers p ON p.id = i.hold_transfer_id AND p.kind = 'pending'
    ), resolved AS (
      SELECT r.pending_id, r.kind FROM gw_transfers r WHERE r.pending_id IN (SELECT hold_transfer_id FROM i)
    ), locked AS (
      SELECT id FROM gw_accounts
      WHERE id IN (SELECT debit_account_id FROM i UNION SELECT credit_account_id FROM i)
      ORDER BY id FOR NO KEY UPDATE
    ), post AS (
      INSERT INTO gw_transfers (transfer_key, kind, debit_account_id, credit_account_id, amount, pending_id, pending_kind, reference, description, created_at)
      SELECT 'issuance:' || bank_reference || ':post', 'post_pending', debit_account_id, credit_account_id, amount,
        hold_transfer_id, 'pending', reference, 'DCJPY issued in ' || tx_hash, ${at}::timestamptz
      FROM i WHERE (SELECT count(*) FROM locked) > 0
        AND NOT EXISTS (SELECT 1 FROM resolved WHERE resolved.pending_id = i.hold_transfer_id)
      ORDER BY hold_transfer_id
    ), moved AS (
      UPDATE gw_issuances g SET state = 'issued', tx_hash = i.tx_hash, block_number = i.block_number,
        updated_at = ${at}::timestamptz
      FROM i WHERE (SELECT count(*) FROM locked) > 0 AND g.id = i.id
        AND g.state IN ('pending', 'sent', 'mined')
        AND NOT EXISTS (SELECT 1 FROM resolved WHERE resolved.pending_id = i.hold_transfer_id
          AND resolved.kind = 'void_pending')
    )
    SELECT i.id, i.bank_reference, i.hold_transfer_id, resolved.kind AS resolved_kind
    FROM i LEFT JOIN resolved ON resolved.pending_id = i.hold_transfer_id`);
  const out = new Map<string, string>();
  for (const r of rows) {
    if (r.resolved_kind === "void_pending") {
      throw new PendingResolvedError(toNumber(r.hold_transfer_id), "void_pending");
    }
    out.set(r.bank_reference as string, r.id as string);
  }
  return out;
}
