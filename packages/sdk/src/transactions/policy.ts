/**
 * How the transaction engine sends, watches, replaces and confirms transactions. Every field is
 * optional; {@link DEFAULT_TX_POLICY} gives the defaults. Set per connection
 * (`connect({ transactions: { policy } })`) and override per send ({@link SendOptions}).
 */
export interface TxPolicy {
  /**
   * Blocks on top of (and including) the one that mined a transaction before its send counts as
   * done (default: the context's `confirmations`, itself 1 by default). While it waits, a reorg
   * that undoes the transaction is detected and the same signed transaction re-broadcast.
   */
  confirmations?: number;
  /** Milliseconds a send may take from its call to its outcome (default 300,000: 5 minutes). */
  timeoutMs?: number;
  /**
   * Milliseconds between looks at the chain's head while a transaction is pending (default: the
   * provider's `pollingInterval` when it has one, else 1,000).
   */
  pollIntervalMs?: number;
  /**
   * Milliseconds without a new block after which a pending transaction is checked anyway
   * (mempool, nonce) so that a drop on a chain that mines only on demand is noticed (default
   * 4 × `pollIntervalMs`).
   */
  stallCheckMs?: number;
  /**
   * Milliseconds a nonce of the account may stay unsent below a pending transaction before the
   * engine acts (default `stallCheckMs`): a refused broadcast's nonce (a *hole*) still open is
   * filled with a zero-value self-transfer whatever the queue's other sends are doing; a lower
   * nonce that nothing of this process holds and the node does not have is filled likewise; a
   * broadcast the node has not answered is watched (and replaced if the node does not have it).
   * For holes, the engine's own policy counts (they belong to the account, not to one send).
   */
  gapFillMs?: number;
  /**
   * Fee bump of a replacement, in percent of the previous transaction's fees (default 15; nodes
   * refuse a replacement below 10 %).
   */
  feeBumpPercent?: number;
  /**
   * Blocks a transaction may stay pending before it is replaced with a fee bump (default 3). A
   * transaction that was dropped from the mempool, or whose max fee fell below the base fee, is
   * replaced at once.
   */
  bumpAfterBlocks?: number;
  /** Milliseconds a transaction may stay pending before it is replaced (default 60,000). */
  bumpAfterMs?: number;
  /**
   * Ceiling on the max fee per gas (gas price on a legacy chain) of any replacement, in wei. A
   * replacement that would need more raises {@link FeeCeilingError}. Default: none.
   */
  maxFeePerGas?: bigint;
  /** Ceiling on the priority fee per gas of any replacement, in wei. Default: none. */
  maxPriorityFeePerGas?: bigint;
  /**
   * How many blocks back the engine looks for the transaction that used a send's nonce when none
   * of its own was mined (default 256).
   */
  replacementScanBlocks?: number;
}

/** The policy with every default filled in. */
export interface ResolvedTxPolicy {
  confirmations: number;
  timeoutMs: number;
  pollIntervalMs: number;
  stallCheckMs: number;
  gapFillMs: number;
  feeBumpPercent: number;
  bumpAfterBlocks: number;
  bumpAfterMs: number;
  maxFeePerGas: bigint | undefined;
  maxPriorityFeePerGas: bigint | undefined;
  replacementScanBlocks: number;
}

/** Defaults of {@link TxPolicy} (`pollIntervalMs` and `stallCheckMs` depend on the provider). */
export const DEFAULT_TX_POLICY = {
  confirmations: 1,
  timeoutMs: 300_000,
  feeBumpPercent: 15,
  bumpAfterBlocks: 3,
  bumpAfterMs: 60_000,
  replacementScanBlocks: 256,
} as const;

/** Fills in the defaults; later layers override earlier ones (undefined fields are skipped). */
export function resolvePolicy(
  pollingInterval: number | undefined,
  ...layers: (TxPolicy | undefined)[]
): ResolvedTxPolicy {
  const merged: TxPolicy = {};
  for (const l of layers) {
    if (!l) continue;
    for (const [k, v] of Object.entries(l)) {
      if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
    }
  }
  const pollIntervalMs = merged.pollIntervalMs ?? pollingInterval ?? 1_000;
  const stallCheckMs = merged.stallCheckMs ?? 4 * pollIntervalMs;
  return {
    confirmations: Math.max(1, Math.floor(merged.confirmations ?? DEFAULT_TX_POLICY.confirmations)),
    timeoutMs: merged.timeoutMs ?? DEFAULT_TX_POLICY.timeoutMs,
    pollIntervalMs,
    stallCheckMs,
    gapFillMs: merged.gapFillMs ?? stallCheckMs,
    feeBumpPercent: merged.feeBumpPercent ?? DEFAULT_TX_POLICY.feeBumpPercent,
    bumpAfterBlocks: merged.bumpAfterBlocks ?? DEFAULT_TX_POLICY.bumpAfterBlocks,
    bumpAfterMs: merged.bumpAfterMs ?? DEFAULT_TX_POLICY.bumpAfterMs,
    maxFeePerGas: merged.maxFeePerGas,
    maxPriorityFeePerGas: merged.maxPriorityFeePerGas,
    replacementScanBlocks: merged.replacementScanBlocks ?? DEFAULT_TX_POLICY.replacementScanBlocks,
  };
}
