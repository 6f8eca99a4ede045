/** Fee fields of one signed transaction: EIP-1559, or a legacy gas price. */
export interface Fees {
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
  gasPrice?: bigint;
}

/** The fees of a transaction (or request): its EIP-1559 fees, else its gas price. */
export function feesOf(t: {
  maxFeePerGas?: bigint | null;
  maxPriorityFeePerGas?: bigint | null;
  gasPrice?: bigint | null;
}): Fees {
  if (t.maxFeePerGas != null)
    return { maxFeePerGas: t.maxFeePerGas, maxPriorityFeePerGas: t.maxPriorityFeePerGas ?? 0n };
  return { gasPrice: t.gasPrice ?? 0n };
}

/** What a replacement must pay, or why it cannot. */
export type Bump = { ok: true; fees: Fees } | { ok: false; needed: bigint; ceiling: bigint };

/** `v` raised by `percent` percent, rounded up. */
export function raise(v: bigint, percent: number): bigint {
  const bp = BigInt(Math.round(percent * 100));
  return (v * (10_000n + bp) + 9_999n) / 10_000n;
}

/** Nodes (geth, anvil) refuse a replacement that does not raise every fee by at least this. */
const MIN_REPLACEMENT_PERCENT = 10;

/**
 * Fees of a replacement on the same nonce: the previous fees raised by `percent`, and at least
 * what the market asks now (a max fee of twice the base fee plus the tip, as ethers does). With
 * a ceiling, a fee above it is capped; when the capped fee no longer replaces the previous
 * transaction (10 % more) or cannot pay the base fee, the bump fails with the fee it needed.
 */
export function bumpFees(
  prev: Fees,
  market: { baseFeePerGas: bigint | undefined; tip: bigint; gasPrice: bigint },
  policy: { feeBumpPercent: number; maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint },
  floor?: Fees,
): Bump {
  const pct = Math.max(policy.feeBumpPercent, MIN_REPLACEMENT_PERCENT);
  if (prev.maxFeePerGas === undefined) {
    const old = prev.gasPrice ?? 0n;
    let price = max(raise(old, pct), market.gasPrice, floor?.gasPrice ?? 0n);
    const ceiling = policy.maxFeePerGas;
    if (ceiling !== undefined && price > ceiling) {
      if (ceiling < raise(old, MIN_REPLACEMENT_PERCENT) || ceiling < (market.baseFeePerGas ?? 0n))
        return { ok: false, needed: price, ceiling };
      price = ceiling;
    }
    return { ok: true, fees: { gasPrice: price } };
  }
  const oldTip = prev.maxPriorityFeePerGas ?? 0n;
  let tip = max(raise(oldTip, pct), market.tip, floor?.maxPriorityFeePerGas ?? 0n);
  const tipCeiling = policy.maxPriorityFeePerGas;
  if (tipCeiling !== undefined && tip > tipCeiling) {
    if (tipCeiling < raise(oldTip, MIN_REPLACEMENT_PERCENT))
      return { ok: false, needed: tip, ceiling: tipCeiling };
    tip = tipCeiling;
  }
  const base = market.baseFeePerGas ?? 0n;
  let maxFee = max(raise(prev.maxFeePerGas, pct), 2n * base + tip, floor?.maxFeePerGas ?? 0n);
  const ceiling = policy.maxFeePerGas;
  if (ceiling !== undefined && maxFee > ceiling) {
    const needed = max(raise(prev.maxFeePerGas, MIN_REPLACEMENT_PERCENT), base + 1n);
    if (ceiling < needed) return { ok: false, needed: maxFee, ceiling };
    maxFee = ceiling;
  }
  if (tip > maxFee) tip = maxFee;
  return { ok: true, fees: { maxFeePerGas: maxFee, maxPriorityFeePerGas: tip } };
}

/** True when a transaction with these fees cannot enter a block of this base fee. */
export function pricedOut(fees: Fees, baseFeePerGas: bigint | undefined): boolean {
  if (baseFeePerGas === undefined) return false;
  const cap = fees.maxFeePerGas ?? fees.gasPrice;
  return cap !== undefined && cap < baseFeePerGas;
}

function max(...v: bigint[]): bigint {
  return v.reduce((a, b) => (a > b ? a : b));
}
