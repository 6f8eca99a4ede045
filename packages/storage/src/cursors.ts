/**
 * Cursors: per consumer and chain, the last block processed (number and hash). A watcher advances
 * its cursor in the same transaction as the inbox records of that block, so after a crash it
 * resumes from the cursor and re-reads at most what it had not committed. The hash lets it check
 * that the block it stopped at is still on the chain before going on; after a reorg it rewinds.
 *
 * Table: `kessai_cursors`.
 */
import { checkDate, checkHash, checkInt, checkText } from "./check.js";
import { decodeTime, encodeTime, toNumber } from "./codec.js";
import { columnTypes, hexCheck, timestampCheck } from "./ddl.js";
import { CursorRegressionError, InvalidValueError } from "./errors.js";
import type { MigrationModule } from "./migrations.js";
import { sql, type Dialect } from "./sql.js";
import type { Queryable, Tx } from "./store.js";

/** Where a consumer is on a chain. */
export interface Cursor {
  consumer: string;
  chainId: number;
  blockNumber: number;
  blockHash: string;
  updatedAt: Date;
}

function ddl(d: Dialect): string {
  const t = columnTypes[d];
  return `
CREATE TABLE kessai_cursors (
  consumer TEXT NOT NULL,
  chain_id ${t.bigint} NOT NULL,
  block_number ${t.bigint} NOT NULL,
  block_hash TEXT NOT NULL,
  updated_at ${t.timestamp} NOT NULL,
  PRIMARY KEY (consumer, chain_id),
  CONSTRAINT kessai_cursors__consumer CHECK (length(consumer) BETWEEN 1 AND 200),
  CONSTRAINT kessai_cursors__chain_id CHECK (chain_id > 0),
  CONSTRAINT kessai_cursors__block_number CHECK (block_number >= 0),
  CONSTRAINT kessai_cursors__block_hash CHECK (${hexCheck(d, "block_hash", 32)}),
  CONSTRAINT kessai_cursors__updated_at CHECK (${timestampCheck(d, "updated_at")})
)${d === "sqlite" ? " STRICT" : ""};
`;
}

/** The cursors' migrations (namespace "kessai.cursors"). */
export const migrations: MigrationModule = {
  namespace: "kessai.cursors",
  migrations: [{ version: 1, name: "block cursors", up: ddl }],
};

/** Arguments of {@link advance} and {@link rewind}. */
export interface CursorArgs {
  consumer: string;
  chainId: number;
  blockNumber: number;
  blockHash: string;
  /** Clock (default: new Date()). */
  now?: Date;
}

function toCursor(r: Record<string, unknown>): Cursor {
  return {
    consumer: r.consumer as string,
    chainId: toNumber(r.chain_id, "chain_id"),
    blockNumber: toNumber(r.block_number, "block_number"),
    blockHash: r.block_hash as string,
    updatedAt: decodeTime(r.updated_at, "updated_at"),
  };
}

/** The cursor of `consumer` on `chainId`, or undefined before its first block. */
export async function get(
  q: Queryable,
  args: { consumer: string; chainId: number },
): Promise<Cursor | undefined> {
  const row = await q.get(sql`SELECT consumer, chain_id, block_number, block_hash, updated_at
    FROM kessai_cursors WHERE consumer = ${args.consumer} AND chain_id = ${args.chainId}`);
  return row ? toCursor(row) : undefined;
}

/** Every cursor, or those of one consumer. */
export async function list(q: Queryable, args: { consumer?: string } = {}): Promise<Cursor[]> {
  const rows = await q.all(sql`SELECT consumer, chain_id, block_number, block_hash, updated_at
    FROM kessai_cursors ${args.consumer === undefined ? sql`` : sql`WHERE consumer = ${args.consumer}`}
    ORDER BY consumer, chain_id`);
  return rows.map(toCursor);
}

async function save(tx: Tx, c: Required<CursorArgs>): Promise<Cursor> {
  const row =
    await tx.get(sql`INSERT INTO kessai_cursors (consumer, chain_id, block_number, block_hash, updated_at)
    VALUES (${c.consumer}, ${c.chainId}, ${c.blockNumber}, ${c.blockHash}, ${encodeTime(c.now)})
    ON CONFLICT (consumer, chain_id) DO UPDATE SET
      block_number = excluded.block_number, block_hash = excluded.block_hash, updated_at = excluded.updated_at
    RETURNING consumer, chain_id, block_number, block_hash, updated_at`);
  return toCursor(row!);
}

function checkArgs(args: CursorArgs): Required<CursorArgs> {
  return {
    consumer: checkText("consumer", args.consumer, 200),
    chainId: checkInt("chainId", args.chainId, 1),
    blockNumber: checkInt("blockNumber", args.blockNumber),
    blockHash: checkHash("blockHash", args.blockHash),
    now: checkDate("now", args.now ?? new Date()),
  };
}

/**
 * Moves the cursor forward to a processed block, in the caller's transaction (the one recording
 * that block's events); creates it on the first call. The same block again is a no-op; a lower
 * block, or another hash at the same height, is a {@link CursorRegressionError}: use
 * {@link rewind} after a reorg.
 */
export async function advance(tx: Tx, args: CursorArgs): Promise<Cursor> {
  const c = checkArgs(args);
  const current = await get(tx, c);
  if (current) {
    if (current.blockNumber === c.blockNumber && current.blockHash === c.blockHash) return current;
    if (c.blockNumber <= current.blockNumber) {
      throw new CursorRegressionError({
        consumer: c.consumer,
        chainId: c.chainId,
        current: { blockNumber: current.blockNumber, blockHash: current.blockHash },
        requested: { blockNumber: c.blockNumber, blockHash: c.blockHash },
      });
    }
  }
  return save(tx, c);
}

/**
 * Moves the cursor back to a block that is still on the chain (after a reorg removed later ones),
 * in the caller's transaction, typically with {@link removeFrom} of the inbox. Moving it forward
 * this way is an {@link InvalidValueError}.
 */
export async function rewind(tx: Tx, args: CursorArgs): Promise<Cursor> {
  const c = checkArgs(args);
  const current = await get(tx, c);
  if (current && c.blockNumber > current.blockNumber) {
    throw new InvalidValueError({
      field: "blockNumber",
      value: c.blockNumber,
      reason: `rewind goes back, but the cursor is at ${current.blockNumber}`,
    });
  }
  return save(tx, c);
}
