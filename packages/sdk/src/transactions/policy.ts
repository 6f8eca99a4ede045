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
   * broadcast the node has not answered is watched (and replaced if the node does not have it);
   * a transaction the node holds on the account's next nonce without counting it as pending is
   * replaced. For holes, the engine's own policy counts (they belong to the account, not to one
   * send).
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
  /**
   * Headroom added to the node's gas estimate, in percent of it (default 25). Only the node's
   * estimate gets it: a gas limit the caller fixed (the request's `gasLimit`, `connect({ gasLimit
   * })`) is sent as given, and a signer with an `estimateGas` of its own (a relayer's margin)
   * keeps its figure. The limit is capped at the block gas limit of the latest block the engine has
   * seen, and at the per-transaction cap of 16,777,216 (EIP-7825). A larger limit costs no gas (a transaction pays for the gas it uses), but the node
   * reserves `gasLimit × maxFeePerGas` of the sender's balance while it is pending: the account
   * must hold that much more. 0 sends the bare estimate, as ethers does.
   */
  gasMarginPercent?: number;
  /**
   * How many times a send whose gas limit was estimated is sent again when it is mined out of
   * gas (default 2): an estimate made before another transaction changed the state the call
   * reads (a storage slot written from zero costs 17,100 gas more). The out-of-gas transaction
   * reverted entirely, so the engine estimates again (a call that now reverts gives its contract
   * error) and sends a new transaction on the next nonce, under the same key, with the fresh
   * estimate plus the margin and at least 1.5 × the limit that ran out (event `resent`). 0 raises
   * {@link OutOfGasError} at once. A gas limit the caller fixed is never raised: running out of
   * it raises {@link OutOfGasError}.
   */
  outOfGasResends?: number;
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
  gasMarginPercent: number;
  outOfGasResends: number;
}

/** Defaults of {@link TxPolicy} (`pollIntervalMs` and `stallCheckMs` depend on the provider). */
export const DEFAULT_TX_POLICY = {
  confirmations: 1,
  timeoutMs: 300_000,
  feeBumpPercent: 15,
  bumpAfterBlocks: 3,
  bumpAfterMs: 60_000,
  replacementScanBlocks: 256,
  gasMarginPercent: 25,
  outOfGasResends: 2,
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
    gasMarginPercent: Math.max(0, merged.gasMarginPercent ?? DEFAULT_TX_POLICY.gasMarginPercent),
    outOfGasResends: Math.max(
      0,
      Math.floor(merged.outOfGasResends ?? DEFAULT_TX_POLICY.outOfGasResends),
    ),
  };
}

/**
 * The largest gas limit of one transaction from Osaka on (EIP-7825): a node refuses a transaction
 * above it, whatever the block gas limit.
 */
export const TX_GAS_CAP = 16_777_216n;

/**
 * The gas limit of an estimate: `estimate` plus `marginPercent` (rounded up to 0.01 %), at least
 * `floor`, capped at `blockGasLimit` when known and at {@link TX_GAS_CAP} (never below the
 * estimate itself).
 */
export function gasLimitWithMargin(
  estimate: bigint,
  marginPercent: number,
  blockGasLimit?: bigint,
  floor = 0n,
): bigint {
  const bps = BigInt(Math.ceil(marginPercent * 100));
  let limit = (estimate * (10_000n + bps) + 9_999n) / 10_000n;
  if (limit < floor) limit = floor;
  const cap =
    blockGasLimit !== undefined && blockGasLimit < TX_GAS_CAP ? blockGasLimit : TX_GAS_CAP;
  if (limit > cap) limit = cap > estimate ? cap : estimate;
  return limit;
}
