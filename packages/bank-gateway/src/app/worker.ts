/**
 * The outbox worker: sends what the outbox holds to DCJPY through the chain port, and records the
 * outcome in the same transaction as the outbox's (so a request is marked sent, failed or done
 * exactly once, although a send may be attempted more than once: a worker killed after sending
 * and before recording runs the item again).
 *
 * Each handler first asks the chain whether the effect is already there (the issuance recorded
 * under the reference, the request fulfilled, the account open) and treats that as success, and
 * treats the "already used" revert the same way: so an item run twice mints once.
 *
 * Every send goes through the SDK's transaction engine with a key derived from the effect (the
 * bank reference for an issuance), a deadline inside the claim's lease and the gateway's stop
 * signal. The engine's journal is in the gateway's database: a send with a key it knows waits for
 * the transaction sent before (in a killed process, or one a reorg removed) instead of sending a
 * second one. So a permanent failure (below) is only ever seen once nothing sent under the key
 * can still be mined: a hold is never voided under a transaction still in a mempool.
 *
 * Failures: a revert named in PERMANENT_CHAIN_ERRORS dead-letters the item at once and undoes the
 * request in the same transaction (an issuance's hold is voided, the request marked failed);
 * anything else is retried with backoff until `maxAttempts`, then dead-lettered for an operator.
 */
import { outbox, OutboxLeaseLostError, type Tx } from "@kessai/storage";

type OutboxClaim = outbox.OutboxClaim;
import {
  ChainKeyConflictError,
  ChainRevertError,
  type SendOptions as ChainSendOptions,
} from "../chain/port.js";
import { PERMANENT_CHAIN_ERRORS, fromStates, ISSUANCE_TRANSITIONS } from "../domain/lifecycle.js";
import { depositAccountId } from "../domain/references.js";
import { getAccount, getTransfer, lockAccounts, resolvePending } from "../store/ledger.js";
import {
  getFirm,
  getIssuance,
  getRedemption,
  moveIssuance,
  moveRedemption,
  updateFirm,
  type Issuance,
} from "../store/records.js";
import { databaseNow, write, type GatewayContext } from "./context.js";
import { TOPIC } from "./firm-requests.js";
import { bytes32Text } from "./ids.js";
import { sql } from "@kessai/storage";

/** A failure retrying cannot fix. */
export class PermanentError extends Error {
  override name = "PermanentError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function permanent(e: unknown): PermanentError | undefined {
  if (e instanceof PermanentError) return e;
  if (e instanceof ChainRevertError && PERMANENT_CHAIN_ERRORS.has(e.errorName)) {
    return new PermanentError(e.errorName, e.message);
  }
  return undefined;
}

type Result = Record<string, unknown>;

/** Milliseconds a send leaves before the claim's lease ends (so a retry never races it). */
const LEASE_MARGIN_MS = 1_000;

/** How often the worker reads the database's clock (its offset from this host's), ms. */
const CLOCK_READ_MS = 1_000;

/**
 * The send options of a claimed item: the engine's journal key, the gateway's stop signal, and a
 * deadline inside the lease. The key names the effect, not the outbox item: an issuance sent again
 * (a new item after a reorg took its transaction away) has the same key, so the engine finds the
 * transaction it sent and puts it back instead of signing a second one.
 */
function sendOptions(ctx: GatewayContext, c: OutboxClaim, effect: string): ChainSendOptions {
  return {
    key: `${c.topic}:${effect}`,
    signal: ctx.signal,
    // The lease ends on the database's clock; the engine's deadline is this host's.
    deadline: Math.max(
      Date.now() + LEASE_MARGIN_MS,
      (ctx.clock?.toHost(c.leaseUntil) ?? c.leaseUntil.getTime()) - LEASE_MARGIN_MS,
    ),
  };
}

/** Sends one claimed item; returns what to record. Never writes to the store. */
async function handle(ctx: GatewayContext, c: OutboxClaim): Promise<Result> {
  const p = c.payload as Record<string, unknown>;
  switch (c.topic) {
    case TOPIC.issue:
    case TOPIC.fulfil: {
      const i = await getIssuance(ctx.store, p.issuanceId as string);
      if (!i) throw new PermanentError("issuance_missing", `No issuance ${String(p.issuanceId)}`);
      if (i.state !== "pending" && i.state !== "sent") return { skipped: i.state };
      const log = ctx.log.child({ reference: i.reference, issuanceId: i.id });
      // Only an item that may have been sent before asks DCJPY first: a first attempt on a
      // pending issuance cannot follow a send of its own (the claim that counts the attempt
      // commits before the send), and a reference already used on chain is caught below anyway.
      // One eth_call fewer per issuance on the node the sends share.
      const mayHaveSent = c.attempt > 1 || i.state !== "pending";
      const already = mayHaveSent ? await ctx.chain.issuanceOf(i.reference) : undefined;
      if (already) {
        if (already.account !== i.to || already.amount !== i.amount) {
          throw new PermanentError(
            "reference_conflict",
            `Bank reference ${i.reference} is recorded on chain for ${already.amount} to ${already.account}`,
          );
        }
        log.info({}, "already issued on chain");
        return { alreadyIssued: true };
      }
      if (c.topic === TOPIC.fulfil) {
        const req = await ctx.chain.issuanceRequest(i.requestId!);
        if (req.status !== "pending") {
          throw new PermanentError(
            "request_not_pending",
            `Issuance request ${i.requestId} is ${req.status}`,
          );
        }
      }
      ctx.crashPoint?.("issue.before-send");
      const so = sendOptions(ctx, c, i.reference);
      try {
        const r =
          c.topic === TOPIC.issue
            ? await ctx.chain.issue({ to: i.to, amount: i.amount, bankReference: i.reference }, so)
            : await ctx.chain.fulfilIssuanceRequest(
                { requestId: i.requestId!, bankReference: i.reference },
                so,
              );
        ctx.crashPoint?.("issue.after-send");
        log.info(
          { txHash: r.txHash, blockNumber: r.blockNumber, resumed: r.resumed, reorged: r.reorged },
          r.resumed
            ? "issued on chain by the transaction sent before; waiting for confirmations"
            : "issued on chain; waiting for confirmations",
        );
        return { txHash: r.txHash, blockNumber: r.blockNumber };
      } catch (e) {
        // Sent twice (a restarted worker, a transaction mined after a timeout): done if it matches.
        if (e instanceof ChainRevertError && e.errorName === "DepositTokenIssuanceReferenceUsed") {
          const rec = await ctx.chain.issuanceOf(i.reference);
          if (rec && rec.account === i.to && rec.amount === i.amount)
            return { alreadyIssued: true };
        }
        throw e;
      }
    }
    case TOPIC.reject: {
      const i = await getIssuance(ctx.store, p.issuanceId as string);
      if (!i || i.state !== "rejecting") return { skipped: i?.state ?? "missing" };
      const req = await ctx.chain.issuanceRequest(i.requestId!);
      if (req.status !== "pending") return { requestStatus: req.status };
      const r = await ctx.chain.rejectIssuanceRequest(
        { requestId: i.requestId!, reason: bytes32Text(i.errorCode ?? "rejected") },
        sendOptions(ctx, c, i.reference),
      );
      return { txHash: r.txHash, blockNumber: r.blockNumber };
    }
    case TOPIC.redeemFrom: {
      const r = await getRedemption(ctx.store, p.redemptionId as string);
      if (!r)
        throw new PermanentError("redemption_missing", `No redemption ${String(p.redemptionId)}`);
      if (r.state !== "pending" && r.state !== "sent") return { skipped: r.state };
      const already = await ctx.chain.redemptionOf(r.reference);
      if (already) return { alreadyRedeemed: true };
      try {
        const rc = await ctx.chain.redeemFrom(
          { account: r.from, amount: r.amount, redemptionRef: r.reference },
          sendOptions(ctx, c, r.reference),
        );
        return { txHash: rc.txHash, blockNumber: rc.blockNumber };
      } catch (e) {
        if (
          e instanceof ChainRevertError &&
          e.errorName === "DepositTokenRedemptionReferenceUsed"
        ) {
          return { alreadyRedeemed: true };
        }
        throw e;
      }
    }
    case TOPIC.openAccount: {
      const f = await getFirm(ctx.store, p.firmId as string);
      if (!f || f.status !== "opening") return { skipped: f?.status ?? "missing" };
      const acc = await ctx.chain.account(f.dcjpyAddress);
      if (acc.open) {
        if (acc.depositAccountRef !== f.depositAccountRef) {
          throw new PermanentError(
            "account_bound_elsewhere",
            `DCJPY account ${f.dcjpyAddress} is open for deposit account ${acc.depositAccountRef}`,
          );
        }
        return { alreadyOpen: true };
      }
      const r = await ctx.chain.openAccount(
        { account: f.dcjpyAddress, depositAccountRef: f.depositAccountRef },
        sendOptions(ctx, c, c.key),
      );
      return { txHash: r.txHash };
    }
    case TOPIC.closeAccount: {
      const f = await getFirm(ctx.store, p.firmId as string);
      if (!f || f.status !== "closing") return { skipped: f?.status ?? "missing" };
      const acc = await ctx.chain.account(f.dcjpyAddress);
      if (!acc.open) return { alreadyClosed: true };
      const r = await ctx.chain.closeAccount(
        { account: f.dcjpyAddress },
        sendOptions(ctx, c, c.key),
      );
      return { txHash: r.txHash };
    }
    case TOPIC.setFrozen: {
      // The firm's flag now, not the item's: of a freeze and an unfreeze worked in any order
      // (concurrently, or one retried), the chain ends where the operator left the firm.
      const f = await getFirm(ctx.store, p.firmId as string);
      if (!f) return { skipped: "missing" };
      const acc = await ctx.chain.account(f.dcjpyAddress);
      if (acc.frozen === f.frozen) return { frozen: f.frozen, already: true };
      const r = await ctx.chain.setFrozen(
        { account: f.dcjpyAddress, frozen: f.frozen },
        sendOptions(ctx, c, c.key),
      );
      return { txHash: r.txHash, frozen: f.frozen };
    }
    default:
      throw new PermanentError("unknown_topic", `No handler for ${c.topic}`);
  }
}

/** Records a successful send with the outbox's completion. */
async function onDone(tx: Tx, c: OutboxClaim, result: Result): Promise<void> {
  const p = c.payload as Record<string, unknown>;
  switch (c.topic) {
    case TOPIC.issue:
    case TOPIC.fulfil:
      if (typeof result.txHash === "string") {
        await moveIssuance(tx, p.issuanceId as string, ["pending"], "sent", {
          txHash: result.txHash.toLowerCase(),
          blockNumber: result.blockNumber as number,
        });
      } else if (result.alreadyIssued) {
        await moveIssuance(tx, p.issuanceId as string, ["pending"], "sent");
      }
      return;
    case TOPIC.reject:
      await moveIssuance(tx, p.issuanceId as string, ["rejecting"], "rejected");
      return;
    case TOPIC.redeemFrom:
      await moveRedemption(tx, p.redemptionId as string, ["pending"], "sent", {
        txHash: typeof result.txHash === "string" ? result.txHash.toLowerCase() : undefined,
        blockNumber: typeof result.blockNumber === "number" ? result.blockNumber : undefined,
      });
      return;
    case TOPIC.openAccount:
      await updateFirm(
        tx,
        p.firmId as string,
        { status: "open", lastError: null },
        { fromStatus: ["opening"] },
      );
      return;
    case TOPIC.closeAccount: {
      const firmId = p.firmId as string;
      await updateFirm(
        tx,
        firmId,
        { status: "closed", lastError: null },
        { fromStatus: ["closing"] },
      );
      const a = await getAccount(tx, depositAccountId(firmId));
      const empty =
        a &&
        a.balances.posted === 0n &&
        a.balances.debitsPending === 0n &&
        a.balances.creditsPending === 0n;
      if (empty) {
        await tx.run(sql`UPDATE gw_accounts SET status = 'closed' WHERE id = ${a.id}`);
      } else {
        await updateFirm(tx, firmId, {
          lastError: "the deposit account received money while closing: pay it out, then close it",
        });
      }
      return;
    }
    default:
      return;
  }
}

/**
 * Marks an issuance failed and voids its hold, taking the rows in the gateway's lock order
 * (store/ledger.ts): the hold's accounts, then the issuance. Returns the issuance, or undefined
 * when there is none or it can no longer fail (issued: the watcher got there first).
 */
export async function failIssuance(
  tx: Tx,
  issuanceId: string,
  e: { code: string; message: string },
): Promise<Issuance | undefined> {
  const i = await getIssuance(tx, issuanceId);
  const hold =
    i?.holdTransferId === undefined ? undefined : await getTransfer(tx, i.holdTransferId);
  if (!i || !hold) return undefined;
  await lockAccounts(tx, [hold.debitAccountId, hold.creditAccountId]);
  const failed = await moveIssuance(
    tx,
    i.id,
    fromStates(ISSUANCE_TRANSITIONS, "failed"),
    "failed",
    {
      errorCode: e.code,
      errorMessage: e.message,
    },
  );
  if (!failed) return undefined;
  await resolvePending(tx, {
    pendingId: hold.id,
    action: "void",
    key: `issuance:${i.reference}:void`,
    description: `issuance failed: ${e.code}`,
  });
  return i;
}

/** Undoes a request whose send failed for good, with the outbox's dead-lettering. */
async function onPermanentFailure(ctx: GatewayContext, tx: Tx, c: OutboxClaim, e: PermanentError) {
  const p = c.payload as Record<string, unknown>;
  switch (c.topic) {
    case TOPIC.issue:
    case TOPIC.fulfil: {
      const i = await failIssuance(tx, p.issuanceId as string, e);
      if (i) {
        ctx.log.warn(
          { reference: i.reference, issuanceId: i.id, code: e.code },
          "issuance failed; hold voided",
        );
      }
      return;
    }
    case TOPIC.redeemFrom:
      await moveRedemption(tx, p.redemptionId as string, ["pending", "sent"], "failed", {
        errorCode: e.code,
        errorMessage: e.message,
      });
      return;
    case TOPIC.openAccount:
      await updateFirm(tx, p.firmId as string, {
        status: "failed",
        lastError: `${e.code}: ${e.message}`,
      });
      return;
    case TOPIC.closeAccount:
      await updateFirm(
        tx,
        p.firmId as string,
        { status: "open", lastError: `${e.code}: ${e.message}` },
        { fromStatus: ["closing"] },
      );
      return;
    default:
      return;
  }
}

/** What one round did. */
export interface WorkReport {
  claimed: number;
  done: number;
  retrying: number;
  dead: number;
  lost: number;
}

/** One round: claims due items and works them concurrently, and returns when all are recorded. */
export async function workOutbox(ctx: GatewayContext): Promise<WorkReport> {
  const w = ctx.settings.worker;
  await ctx.clock?.sync(ctx.store, CLOCK_READ_MS);
  const claims = await outbox.claim(ctx.store, {
    worker: w.id,
    topics: Object.values(TOPIC),
    limit: w.batch,
    leaseMs: w.leaseMs,
    now: databaseNow(ctx),
  });
  const report: WorkReport = { claimed: claims.length, done: 0, retrying: 0, dead: 0, lost: 0 };
  await Promise.all(claims.map((c) => workClaim(ctx, c, report)));
  return report;
}

/**
 * The outbox worker as a loop: keeps up to `batch` items in flight and claims again as soon as one
 * is recorded, instead of waiting for a whole batch (one slow send no longer holds back the items
 * claimed after it). Each item keeps its own lease, as in {@link workOutbox}. Sleeps `intervalMs`
 * (or until an item in flight is recorded) when nothing is due. Returns once `stopped()` is true and
 * every item in flight is recorded; a failed claim or record is reported to `onError` and retried
 * after `intervalMs`.
 */
export async function runOutboxWorker(
  ctx: GatewayContext,
  opts: {
    intervalMs: number;
    stopped: () => boolean;
    sleep: (ms: number) => Promise<void>;
    onError: (e: unknown) => void;
  },
): Promise<void> {
  const w = ctx.settings.worker;
  const inFlight = new Set<Promise<void>>();
  let wake: (() => void) | undefined;
  const settled = () => {
    const f = wake;
    wake = undefined;
    f?.();
  };
  const report: WorkReport = { claimed: 0, done: 0, retrying: 0, dead: 0, lost: 0 };
  while (!opts.stopped()) {
    let claimed = 0;
    if (inFlight.size < w.batch) {
      try {
        await ctx.clock?.sync(ctx.store, CLOCK_READ_MS);
        const claims = await outbox.claim(ctx.store, {
          worker: w.id,
          topics: Object.values(TOPIC),
          limit: w.batch - inFlight.size,
          leaseMs: w.leaseMs,
          now: databaseNow(ctx),
        });
        claimed = claims.length;
        for (const c of claims) {
          const p = workClaim(ctx, c, report).catch(opts.onError);
          inFlight.add(p);
          void p.then(() => {
            inFlight.delete(p);
            settled();
          });
        }
      } catch (e) {
        if (opts.stopped()) break;
        opts.onError(e);
      }
    }
    if (opts.stopped()) break;
    // Room and work just found: claim again at once. Otherwise wait for a slot or the interval.
    if (claimed > 0 && inFlight.size < w.batch) continue;
    const slot = new Promise<void>((resolve) => (wake = resolve));
    await (inFlight.size >= w.batch ? slot : Promise.race([slot, opts.sleep(opts.intervalMs)]));
    wake = undefined;
  }
  await Promise.allSettled([...inFlight]);
}

/**
 * Where the worker's records commit. On PostgreSQL each in a transaction of its own, not in the
 * group commit: a record moves an issuance the watcher may be moving too (to mined, to issued),
 * and a batch of records locks its issuances in arrival order while the watcher locks them in its
 * own, so the two would wait for each other until PostgreSQL's deadlock timeout (a second) broke
 * the cycle; a record alone holds one issuance and waits for nothing after it. A record batched
 * with requests would also hold their locks while it waits. On SQLite (one writer, no row locks)
 * the group commit saves an fsync per record.
 */
const recording = (ctx: GatewayContext): Pick<GatewayContext, "store" | "writes"> =>
  ctx.store.dialect === "postgres" ? { store: ctx.store } : ctx;

/** Works one claimed item: sends it, then records the outcome with the outbox's. */
async function workClaim(ctx: GatewayContext, c: OutboxClaim, report: WorkReport): Promise<void> {
  const w = ctx.settings.worker;
  const log = ctx.log.child({ outboxId: c.id, topic: c.topic, key: c.key, attempt: c.attempt });
  let result: Result | undefined;
  let failure: unknown;
  try {
    result = await handle(ctx, c);
  } catch (e) {
    failure = e;
  }
  try {
    if (result) {
      await write(recording(ctx), async (tx) => {
        await outbox.complete(tx, c, result, { now: databaseNow(ctx) });
        await onDone(tx, c, result!);
      });
      report.done++;
      return;
    }
    const perm = permanent(failure);
    // A key that names another call: a bug. Dead-lettered for an operator, nothing undone
    // (what was sent under that key is unknown here).
    const conflict = failure instanceof ChainKeyConflictError;
    const outcome = await write(recording(ctx), async (tx) => {
      const o = await outbox.fail(tx, c, failure, {
        permanent: perm !== undefined || conflict,
        backoff: w.backoff,
        now: databaseNow(ctx),
      });
      if (perm) await onPermanentFailure(ctx, tx, c, perm);
      return o;
    });
    if (outcome.status === "dead") {
      report.dead++;
      log.error(
        { err: describe(failure), permanent: perm !== undefined },
        "outbox item dead-lettered",
      );
    } else {
      report.retrying++;
      log.warn(
        { err: describe(failure), retryAt: outcome.retryAt.toISOString() },
        "send failed; retrying",
      );
    }
  } catch (e) {
    if (e instanceof OutboxLeaseLostError) {
      report.lost++;
      return;
    }
    throw e;
  }
}

function describe(e: unknown) {
  return e instanceof Error ? { name: e.name, message: e.message } : { message: String(e) };
}
