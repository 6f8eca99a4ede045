/**
 * The operator's way out of a reorg deeper than the confirmations (`kessai verifier resync`,
 * docs/two-ledger.md, "Operations"). Such a reorg halts the service: the block its cursor names is
 * no longer on the chain, so what it recorded from that ledger may be gone, and every round stops
 * before deciding or sending anything (`/healthz` 503 naming the ledger,
 * `kessai_verifier_reorg_halted{ledger}` 1). With the service stopped, {@link resyncLedger}
 * reconciles its recorded view of that one ledger with the chain as it is now, from a block the
 * operator names (at or below the first block that changed), in one database transaction:
 * - the events it recorded from that block on are dropped, and each settlement they touched has
 *   that ledger's columns rebuilt from the events it keeps from older blocks: a lock, instruction
 *   or outcome the chain no longer has is gone from the view (the watcher reads the new blocks'
 *   events again, and applies them as it applies any event);
 * - the cursor goes back to the block before, as the chain has it now;
 * - the service's own transactions on that ledger that were mined in a replaced block and are no
 *   longer on the chain are reopened in its journal (state `signed`): started again, the service
 *   broadcasts the same signed transaction, under the same key and nonce, instead of signing
 *   another. A decision is never taken again: the signed order is the decision. A lost send whose
 *   settlement the resync leaves with no record on that ledger (the lock, or the instruction,
 *   went with the reorg) is held instead (state `intent`, nothing signed): broadcast again at the
 *   restart it could only revert, and spend a transaction; its step sends it afresh (same call,
 *   same key) once the record is back, as its handler reads the chain first;
 * - a relay to the ST ledger whose outcome the cash ledger no longer shows (a cash-ledger resync)
 *   is withdrawn, with the attestation the service had signed for it, so that nothing is carried
 *   on an outcome that vanished (a confirmed outcome seen again enqueues it afresh); the touched
 *   settlements' other items of that ledger (on the ST ledger its relays, on the cash ledger
 *   all) go back in the queue, since what they sent may be gone. Every handler reads the chain
 *   first and does nothing when its step is already done.
 * Started again, the service finds its cursor on the chain and runs as before.
 */
import type { Provider } from "ethers";
import type { JournalEntry } from "@kessai/sdk";
import {
  cursors,
  decodeJson,
  decodeTime,
  encodeJson,
  encodeTime,
  inbox,
  journal,
  sql,
  type SqlValue,
  type Store,
  type Tx,
} from "@kessai/storage";
import { VerifierResyncError } from "./errors.js";
import { TX_JOURNAL_NAMESPACE } from "./journal.js";
import { databaseTime, readDatabaseTime } from "./schema.js";
import { Outcome } from "./terms.js";

/** What {@link resyncLedger} changed. */
export interface ResyncReport {
  ledger: "st" | "cash";
  /** The first block read again. */
  fromBlock: number;
  /** Events recorded from the replaced blocks, dropped (the watcher reads the chain's again). */
  eventsDropped: number;
  /** Each settlement whose view of the ledger changed: its state there before and after. */
  settlements: { id: string; before: string; after: string }[];
  /** Queue items put back (to run again) and withdrawn (their outcome is gone). */
  requeued: number;
  withdrawn: number;
  /** Journal keys of the service's transactions reopened (the chain lost them). */
  reopened: string[];
  /**
   * Journal keys of lost transactions held, not reopened: their settlement has no record on the
   * ledger any more (the reorg took the lock or the instruction too), so the call would revert.
   * Each is signed afresh, under its key, when its step runs once the record is back.
   */
  held: string[];
}

/** Arguments of {@link resyncLedger}. */
export interface ResyncArgs {
  store: Store;
  /** That ledger's node. */
  provider: Provider;
  ledger: "st" | "cash";
  /** The first block to read again: at or below the first block the reorg replaced. */
  fromBlock: number;
  /** How far below `fromBlock` the recorded blocks are checked to be unchanged (default 256). */
  checkDepth?: number;
}

type Row = { id: string; terms: string | null; state: string };

const COLUMNS = {
  st: { terms: "st_terms", state: "st_state" },
  cash: { terms: "cash_terms", state: "cash_state" },
} as const;

/** The state an event leaves a settlement in on its ledger, with the terms it carries. */
const EFFECT: Record<string, string> = {
  DeliveryRegistered: "locked",
  SettlementDelivered: "delivered",
  SettlementReturned: "returned",
  SettlementWaived: "waived",
  SettlementFailed: "failed",
  PaymentInstructed: "instructed",
  SettlementPaid: "paid",
  SettlementRefunded: "refunded",
};

/**
 * Reconciles the service's view of one ledger with the chain from `fromBlock` (see the module's
 * comment). Run it with the service stopped. Throws {@link VerifierResyncError} while a service
 * runs on the database (its liveness record, or an unexpired claim on its queue), when nothing was
 * recorded from that ledger yet, when `fromBlock` is above what was processed, or when a block
 * below `fromBlock` that the service recorded events from changed too (resync from lower then).
 */
export async function resyncLedger(a: ResyncArgs): Promise<ResyncReport> {
  const consumer = `verifier.${a.ledger}`;
  await refuseWhileRunning(a.store, a.ledger);
  const chainId = Number((await a.provider.getNetwork()).chainId);
  const cursor = await cursors.get(a.store, { consumer, chainId });
  if (!cursor)
    throw new VerifierResyncError(a.ledger, `nothing recorded from chain ${chainId} yet`, "ledger");
  if (!Number.isInteger(a.fromBlock) || a.fromBlock < 1 || a.fromBlock > cursor.blockNumber + 1)
    throw new VerifierResyncError(
      a.ledger,
      `--from-block must be between 1 and ${cursor.blockNumber + 1} (the block after the last one processed), got ${a.fromBlock}`,
    );
  const anchor = await a.provider.getBlock(a.fromBlock - 1);
  if (!anchor?.hash)
    throw new VerifierResyncError(a.ledger, `the node has no block ${a.fromBlock - 1}`);
  const kept = await a.store.all<{ block_number: unknown; block_hash: string }>(sql`
    SELECT DISTINCT block_number, block_hash FROM kessai_inbox
    WHERE consumer = ${consumer} AND chain_id = ${chainId} AND block_number < ${a.fromBlock}
      AND block_number >= ${a.fromBlock - (a.checkDepth ?? 256)}`);
  for (const b of kept) {
    const now = await a.provider.getBlock(Number(b.block_number));
    if (now?.hash?.toLowerCase() !== b.block_hash.toLowerCase())
      throw new VerifierResyncError(
        a.ledger,
        `block ${b.block_number} changed as well (recorded ${b.block_hash}, now ${now?.hash ?? "missing"}): resync from ${b.block_number} or lower`,
      );
  }
  // The service's sends on this chain mined in a block that is no longer there: every mined or
  // confirmed entry of the journal is looked at, page by page.
  const lost: JournalEntry[] = [];
  for (let afterId: string | undefined; ;) {
    const page = await journal.list(a.store, {
      namespace: TX_JOURNAL_NAMESPACE,
      states: ["mined", "confirmed"],
      ...(afterId === undefined ? {} : { afterId }),
      limit: PAGE,
    });
    for (const e of page) {
      const d = e.data as JournalEntry;
      if (d.chainId !== String(chainId) || !d.mined || d.mined.blockNumber < a.fromBlock) continue;
      const receipt = await a.provider.getTransactionReceipt(d.mined.hash);
      if (receipt?.blockHash?.toLowerCase() !== d.mined.blockHash.toLowerCase()) lost.push(d);
    }
    if (page.length < PAGE) break;
    afterId = page[page.length - 1]!.id;
  }

  return a.store.transaction(async (tx) => {
    const dropped = await inbox.removeFrom(tx, { consumer, chainId, fromBlock: a.fromBlock });
    const ids = [...new Set(dropped.map((e) => (e.payload as { id: string }).id))].sort();
    const report: ResyncReport = {
      ledger: a.ledger,
      fromBlock: a.fromBlock,
      eventsDropped: dropped.length,
      settlements: [],
      requeued: 0,
      withdrawn: 0,
      reopened: [],
      held: [],
    };
    const col = COLUMNS[a.ledger];
    // The queue's times are the database's clock, as the service writes them.
    const now = encodeTime(await readDatabaseTime(tx));
    const rebuilt = await rebuild(tx, consumer, chainId, new Set(ids));
    for (const id of ids) {
      const before = await tx.get<{ state: string }>(
        sql`SELECT ${sql.id(col.state)} AS state FROM verifier_settlements WHERE id = ${id}`,
      );
      const after = rebuilt.get(id)!;
      await tx.run(sql`UPDATE verifier_settlements SET ${sql.id(col.terms)} = ${after.terms},
        ${sql.id(col.state)} = ${after.state}, updated_at = ${now} WHERE id = ${id}`);
      report.settlements.push({ id, before: before?.state ?? "none", after: after.state });
      const q = await requeue(tx, id, a.ledger === "cash" ? after.state : undefined, now);
      report.requeued += q.requeued;
      report.withdrawn += q.withdrawn;
    }
    for (const d of lost) {
      const { mined: _gone, nonce, ...rest } = d;
      // Keys are `<ledger>:<id>` (`cash:<id>:refuse`): the settlement's record as rebuilt. With
      // none left, the send is held (nothing signed); else reopened as signed.
      const held = rebuilt.get(d.key.split(":")[1]!.toLowerCase())?.state === "none";
      const entry: JournalEntry = held
        ? { ...rest, state: "intent", txs: [], updatedAt: Date.now() }
        : { ...rest, nonce, state: "signed", updatedAt: Date.now() };
      await journal.put(tx, {
        namespace: TX_JOURNAL_NAMESPACE,
        id: d.key,
        state: entry.state,
        data: entry,
      });
      (held ? report.held : report.reopened).push(d.key);
    }
    await cursors.rewind(tx, {
      consumer,
      chainId,
      blockNumber: a.fromBlock - 1,
      blockHash: anchor.hash!,
    });
    return report;
  });
}

/**
 * Refuses while a service runs on the database, idle or busy: a liveness record
 * (`verifier_instances`) that has not lapsed (a running service renews it every third of
 * `leaseMs` and deletes it when it stops; one killed outright lapses `leaseMs` after its last
 * renewal), or an outbox item of the service claimed under a lease that has not run out (an
 * instance whose rounds are driven without its loop, or one of a version without the record).
 * Both are compared on the database's clock, which the service writes them on: skew between the
 * service's host and resync's does not count.
 */
async function refuseWhileRunning(store: Store, ledger: "st" | "cash"): Promise<void> {
  const alive = await store.all<{
    instance: string;
    worker: string;
    pid: unknown;
    alive_until: unknown;
  }>(sql`
    SELECT instance, worker, pid, alive_until FROM verifier_instances
    WHERE alive_until > ${databaseTime()}
    ORDER BY worker, instance`);
  if (alive.length > 0)
    throw new VerifierResyncError(
      ledger,
      `the service is running: ${alive
        .map(
          (r) =>
            `${r.worker} (instance ${r.instance}, pid ${Number(r.pid)}, alive until ${decodeTime(r.alive_until).toISOString()})`,
        )
        .join(", ")}; stop it (or wait for its record to lapse) and resync again`,
      "service",
    );
  const row = await store.get<{ n: unknown; until: unknown }>(sql`
    SELECT COUNT(*) AS n, MAX(due_at) AS until FROM kessai_outbox
    WHERE status = 'claimed' AND topic IN ('st.relay', 'cash.decide')
      AND due_at > ${databaseTime()}`);
  const n = Number(row?.n ?? 0);
  if (n > 0)
    throw new VerifierResyncError(
      ledger,
      `the service is running: ${n} queue item(s) claimed, the last lease until ${decodeTime(row!.until).toISOString()}; stop it (or wait for the leases to run out) and resync again`,
      "service",
    );
}

/** Rows read at a time from the inbox and the journal (each read goes on until exhausted). */
const PAGE = 10_000;

/**
 * The terms and state on one ledger of each settlement of `ids`, from the events the service keeps
 * of it: every kept event of the consumer is read, in order, page by page.
 */
async function rebuild(
  tx: Tx,
  consumer: string,
  chainId: number,
  ids: ReadonlySet<string>,
): Promise<Map<string, Row>> {
  const rows = new Map<string, Row>();
  for (const id of ids) rows.set(id, { id, terms: null, state: "none" });
  if (ids.size === 0) return rows;
  let after: { n: SqlValue; block: string; log: SqlValue; tx: string } | undefined;
  for (;;) {
    const page = await tx.all<{
      block_number: SqlValue;
      block_hash: string;
      log_index: SqlValue;
      tx_hash: string;
      payload: unknown;
    }>(sql`SELECT block_number, block_hash, log_index, tx_hash, payload FROM kessai_inbox
      WHERE consumer = ${consumer} AND chain_id = ${chainId}
        ${
          after === undefined
            ? sql``
            : sql`AND (block_number, block_hash, log_index, tx_hash) >
                (${after.n}, ${after.block}, ${after.log}, ${after.tx})`
        }
      ORDER BY block_number, block_hash, log_index, tx_hash LIMIT ${PAGE}`);
    for (const e of page) {
      const p = decodeJson(e.payload) as { name: string; id: string; terms?: unknown };
      const row = rows.get(p.id);
      if (!row || !(p.name in EFFECT)) continue;
      row.state = EFFECT[p.name]!;
      if (p.terms) row.terms = encodeJson(p.terms);
    }
    if (page.length < PAGE) return rows;
    const last = page[page.length - 1]!;
    after = { n: last.block_number, block: last.block_hash, log: last.log_index, tx: last.tx_hash };
  }
}

/**
 * The settlement's queue items, after a resync touched it: a relay whose outcome the cash ledger
 * no longer shows (`cashState`, on a cash-ledger resync) is withdrawn with its attestation; the
 * others of the ledger resynced (on the ST ledger its relays, on the cash ledger all) are put back
 * in the queue, due now.
 */
async function requeue(
  tx: Tx,
  id: string,
  cashState: string | undefined,
  now: ReturnType<typeof encodeTime>,
): Promise<{ requeued: number; withdrawn: number }> {
  const items = await tx.all<{ id: number; topic: string; payload: unknown; status: string }>(sql`
    SELECT id, topic, payload, status FROM kessai_outbox
    WHERE idempotency_key = ${id} OR idempotency_key LIKE ${`${id}:%`}`);
  let requeued = 0;
  let withdrawn = 0;
  for (const item of items) {
    if (item.topic === "st.relay" && cashState !== undefined) {
      const outcome = (decodeJson(item.payload) as { outcome: number }).outcome;
      // An expired lock's return (never instructed) stands while the cash ledger shows nothing.
      const shown =
        outcome === Outcome.Paid
          ? cashState === "paid"
          : cashState === "refunded" || cashState === "none";
      if (!shown) {
        await tx.run(sql`DELETE FROM kessai_outbox WHERE id = ${item.id}`);
        await tx.run(sql`UPDATE verifier_settlements SET st_attestation = NULL
          WHERE id = ${id}`);
        withdrawn++;
        continue;
      }
    }
    // On the ST ledger only its relays may have lost what they sent.
    if (cashState === undefined && item.topic !== "st.relay") continue;
    if (item.status !== "done" && item.status !== "dead") continue;
    await tx.run(sql`UPDATE kessai_outbox SET status = 'pending', due_at = ${now},
      updated_at = ${now}, finished_at = NULL, result = NULL,
      max_attempts = attempts + 1000 WHERE id = ${item.id}`);
    requeued++;
  }
  return { requeued, withdrawn };
}
