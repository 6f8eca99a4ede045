/**
 * The double-entry deposit ledger's model, after TigerBeetle's: accounts with four running
 * totals (debits and credits, posted and pending) and transfers that each move one amount from a
 * debit account to a credit account, so every transfer is balanced by construction.
 *
 * - `posted`: moves the amount now.
 * - `pending`: a hold; counts against the debit account's available balance until resolved.
 * - `post_pending`: posts a pending transfer (the same accounts and amount), exactly once.
 * - `void_pending`: releases it instead, exactly once.
 *
 * The SQL schema enforces every rule here (store/schema.ts); these functions are the same rules
 * for code that needs them before it writes (a precise error instead of a constraint violation).
 */

/** What an account is for. */
export type AccountKind =
  /** A firm's deposit account at the bank (one per firm). */
  | "deposit"
  /** The bank's dedicated account backing DCJPY in circulation (one). */
  | "dedicated"
  /** Money entering deposit accounts from outside the ledger (one; may go negative). */
  | "funding"
  /** Chain movements the gateway cannot attribute (one; may go negative; must be investigated). */
  | "suspense";

export type TransferKind = "posted" | "pending" | "post_pending" | "void_pending";

/** An account's running totals. */
export interface Totals {
  debitsPosted: bigint;
  creditsPosted: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
}

/** Balances derived from the totals (credit-normal: money the bank owes the holder). */
export interface Balances extends Totals {
  /** credits posted − debits posted. */
  posted: bigint;
  /** posted − debits pending: what the holder can still move. */
  available: bigint;
}

export function balancesOf(t: Totals): Balances {
  const posted = t.creditsPosted - t.debitsPosted;
  return { ...t, posted, available: posted - t.debitsPending };
}

/** Whether debiting `amount` (posted or pending) keeps the account within its rule. */
export function canDebit(t: Totals, allowOverdraft: boolean, amount: bigint): boolean {
  return allowOverdraft || balancesOf(t).available >= amount;
}

/** The effect of a transfer of `kind` on its debit and credit accounts' totals. */
export function applyTransfer(
  kind: TransferKind,
  amount: bigint,
  debit: Totals,
  credit: Totals,
): { debit: Totals; credit: Totals } {
  const d = { ...debit };
  const c = { ...credit };
  switch (kind) {
    case "posted":
      d.debitsPosted += amount;
      c.creditsPosted += amount;
      break;
    case "pending":
      d.debitsPending += amount;
      c.creditsPending += amount;
      break;
    case "post_pending":
      d.debitsPending -= amount;
      d.debitsPosted += amount;
      c.creditsPending -= amount;
      c.creditsPosted += amount;
      break;
    case "void_pending":
      d.debitsPending -= amount;
      c.creditsPending -= amount;
      break;
  }
  return { debit: d, credit: c };
}

export const ZERO_TOTALS: Totals = Object.freeze({
  debitsPosted: 0n,
  creditsPosted: 0n,
  debitsPending: 0n,
  creditsPending: 0n,
});
