/**
 * The inbox: events read from a chain, recorded once per consumer by their natural key (chain ID,
 * block hash, transaction hash, log index) before they change anything. The consumer records the
 * event and applies it in one transaction; a re-delivery finds it recorded and changes nothing.
 *
 * Reorgs: an event belongs to the block (hash) it was read from. When a block is no longer on the
 * chain, {@link removeBlock} (or {@link removeFrom} a height) deletes its events and returns them,
 * so the consumer can undo their effects in the same transaction and process the new chain's
 * events when they come. With enough confirmations before recording, this should never happen;
 * it is there for the reorg deeper than configured.
 *
 * Table: `kessai_inbox`.
 */
import { checkHash, checkInt, checkText } from "./check.js";
import { decodeJson, decodeTime, encodeJson, encodeTime, toNumber } from "./codec.js";
import { columnTypes, hexCheck, jsonCheck, timestampCheck } from "./ddl.js";
import type { MigrationModule } from "./migrations.js";
import { sql, type Dialect } from "./sql.js";
import type { Queryable, Tx } from "./store.js";

/** Where an event comes from: its natural key. */
export interface ChainEventKey {
  chainId: number;
  blockNumber: number;
  /** 0x-prefixed, 32 bytes (stored lower-case). */
  blockHash: string;
  txHash: string;
  /** The log's index (ethers v6 `log.index`). */
  logIndex: number;
}

/** A recorded event. */
export interface InboxEvent extends ChainEventKey {
  consumer: string;
  payload: unknown;
  receivedAt: Date;
}

function ddl(d: Dialect): string {
  const t = columnTypes[d];
  return `
CREATE TABLE kessai_inbox (
  consumer TEXT NOT NULL,
  chain_id ${t.bigint} NOT NULL,
  block_number ${t.bigint} NOT NULL,
  block_hash TEXT NOT NULL,
  tx_hash TEXT NOT NULL,
  log_index INTEGER NOT NULL,
  payload ${t.json} NOT NULL,
  received_at ${t.timestamp} NOT NULL,
  CONSTRAINT kessai_inbox__event PRIMARY KEY (consumer, chain_id, block_hash, tx_hash, log_index),
  CONSTRAINT kessai_inbox__consumer CHECK (length(consumer) BETWEEN 1 AND 200),
  CONSTRAINT kessai_inbox__chain_id CHECK (chain_id > 0),
  CONSTRAINT kessai_inbox__block_number CHECK (block_number >= 0),
  CONSTRAINT kessai_inbox__block_hash CHECK (${hexCheck(d, "block_hash", 32)}),
  CONSTRAINT kessai_inbox__tx_hash CHECK (${hexCheck(d, "tx_hash", 32)}),
  CONSTRAINT kessai_inbox__log_index CHECK (log_index >= 0),
  CONSTRAINT kessai_inbox__payload CHECK (${jsonCheck(d, "payload")}),
  CONSTRAINT kessai_inbox__received_at CHECK (${timestampCheck(d, "received_at")})
)${d === "sqlite" ? " STRICT" : ""};
CREATE INDEX kessai_inbox__height ON kessai_inbox (consumer, chain_id, block_number);
`;
}

/** The inbox's migrations (namespace "kessai.inbox"). */
export const migrations: MigrationModule = {
  namespace: "kessai.inbox",
  migrations: [{ version: 1, name: "inbox of chain events", up: ddl }],
};

function checkKey(e: ChainEventKey): ChainEventKey {
  return {
    chainId: checkInt("chainId", e.chainId, 1),
    blockNumber: checkInt("blockNumber", e.blockNumber),
    blockHash: checkHash("blockHash", e.blockHash),
    txHash: checkHash("txHash", e.txHash),
    logIndex: checkInt("logIndex", e.logIndex),
  };
}

function toEvent(r: Record<string, unknown>): InboxEvent {
  return {
    consumer: r.consumer as string,
    chainId: toNumber(r.chain_id, "chain_id"),
    blockNumber: toNumber(r.block_number, "block_number"),
    blockHash: r.block_hash as string,
    txHash: r.tx_hash as string,
    logIndex: toNumber(r.log_index, "log_index"),
    payload: decodeJson(r.payload, "payload"),
    receivedAt: decodeTime(r.received_at, "received_at"),
  };
}

const COLUMNS = sql.raw(
  "consumer, chain_id, block_number, block_hash, tx_hash, log_index, payload, received_at",
);

/**
 * Records an event for `consumer` in the caller's transaction. `recorded: true` the first time:
 * apply it in the same transaction. `recorded: false` when it was already recorded: a
 * re-delivery, to be ignored.
 *
 * @example
 * await store.transaction(async (tx) => {
 *   const { recorded } = await inbox.record(tx, { consumer: "gateway", event: key, payload });
 *   if (recorded) await creditDeposit(tx, payload);
 *   await cursors.advance(tx, { consumer: "gateway", chainId, blockNumber, blockHash });
 * });
 */
export async function record(
  tx: Tx,
  args: { consumer: string; event: ChainEventKey; payload: unknown; now?: Date },
): Promise<{ recorded: boolean }> {
  const consumer = checkText("consumer", args.consumer, 200);
  const e = checkKey(args.event);
  const payload = encodeJson(args.payload, "payload");
  const { rowCount } = await tx.run(sql`INSERT INTO kessai_inbox (${COLUMNS})
    VALUES (${consumer}, ${e.chainId}, ${e.blockNumber}, ${e.blockHash}, ${e.txHash}, ${e.logIndex},
            ${payload}, ${encodeTime(args.now ?? new Date())})
    ON CONFLICT (consumer, chain_id, block_hash, tx_hash, log_index) DO NOTHING`);
  return { recorded: rowCount === 1 };
}

/** Whether `consumer` has recorded this event. */
export async function has(
  q: Queryable,
  args: { consumer: string; event: ChainEventKey },
): Promise<boolean> {
  const e = checkKey(args.event);
  const row = await q.get(sql`SELECT 1 AS hit FROM kessai_inbox
    WHERE consumer = ${args.consumer} AND chain_id = ${e.chainId} AND block_hash = ${e.blockHash}
      AND tx_hash = ${e.txHash} AND log_index = ${e.logIndex}`);
  return row !== undefined;
}

/** Recorded events of a consumer on a chain, by height and log index, within [fromBlock, toBlock]. */
export async function list(
  q: Queryable,
  args: { consumer: string; chainId: number; fromBlock?: number; toBlock?: number; limit?: number },
): Promise<InboxEvent[]> {
  const limit = checkInt("limit", args.limit ?? 1_000, 1, 100_000);
  const rows = await q.all(sql`SELECT ${COLUMNS} FROM kessai_inbox
    WHERE consumer = ${args.consumer} AND chain_id = ${args.chainId}
      AND block_number >= ${args.fromBlock ?? 0}
      ${args.toBlock === undefined ? sql`` : sql`AND block_number <= ${args.toBlock}`}
    ORDER BY block_number, block_hash, log_index, tx_hash LIMIT ${limit}`);
  return rows.map(toEvent);
}

/**
 * The blocks (height and hash) from which a consumer recorded events, at or above `fromBlock`:
 * compare them with the chain's blocks at those heights to find one a reorg removed.
 */
export async function blocks(
  q: Queryable,
  args: { consumer: string; chainId: number; fromBlock?: number },
): Promise<{ blockNumber: number; blockHash: string; events: number }[]> {
  const rows = await q.all(sql`SELECT block_number, block_hash, COUNT(*) AS events FROM kessai_inbox
    WHERE consumer = ${args.consumer} AND chain_id = ${args.chainId} AND block_number >= ${args.fromBlock ?? 0}
    GROUP BY block_number, block_hash ORDER BY block_number, block_hash`);
  return rows.map((r) => ({
    blockNumber: toNumber(r.block_number),
    blockHash: r.block_hash as string,
    events: toNumber(r.events),
  }));
}

/**
 * Deletes the events a consumer recorded from the block `blockHash` (a reorg removed it) and
 * returns them, so the caller can undo their effects in the same transaction; their
 * re-delivery from the new chain is then recorded afresh.
 */
export async function removeBlock(
  tx: Tx,
  args: { consumer: string; chainId: number; blockHash: string },
): Promise<InboxEvent[]> {
  const hash = checkHash("blockHash", args.blockHash);
  const rows = await tx.all(sql`DELETE FROM kessai_inbox
    WHERE consumer = ${args.consumer} AND chain_id = ${args.chainId} AND block_hash = ${hash}
    RETURNING ${COLUMNS}`);
  return rows.map(toEvent).sort(byPosition);
}

/** Deletes and returns the events a consumer recorded at height `fromBlock` and above (a reorg from there). */
export async function removeFrom(
  tx: Tx,
  args: { consumer: string; chainId: number; fromBlock: number },
): Promise<InboxEvent[]> {
  const from = checkInt("fromBlock", args.fromBlock);
  const rows = await tx.all(sql`DELETE FROM kessai_inbox
    WHERE consumer = ${args.consumer} AND chain_id = ${args.chainId} AND block_number >= ${from}
    RETURNING ${COLUMNS}`);
  return rows.map(toEvent).sort(byPosition);
}

/**
 * Deletes a consumer's events below height `belowBlock`, to bound the table. Only for heights
 * that can no longer be re-delivered: below the consumer's cursor minus any re-scan margin, or a
 * re-scan would apply them again.
 */
export async function prune(
  tx: Tx,
  args: { consumer: string; chainId: number; belowBlock: number },
): Promise<number> {
  const below = checkInt("belowBlock", args.belowBlock);
  const { rowCount } = await tx.run(sql`DELETE FROM kessai_inbox
    WHERE consumer = ${args.consumer} AND chain_id = ${args.chainId} AND block_number < ${below}`);
  return rowCount;
}

function byPosition(a: InboxEvent, b: InboxEvent): number {
  return (
    a.blockNumber - b.blockNumber || a.logIndex - b.logIndex || a.txHash.localeCompare(b.txHash)
  );
}
