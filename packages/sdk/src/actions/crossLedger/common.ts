import { getAddress } from "ethers";
import type { CashLedgerContext, StLedgerContext } from "../../context/crossLedger.js";
import { InvalidTermsError } from "../../errors/input.js";
import {
  buildCrossLedgerTerms,
  type CrossLedgerTerms,
  type CrossLedgerTermsInput,
} from "../../settlement/crossLedger.js";

/** Two-ledger terms, normalised or as input to normalise. */
export type CrossLedgerTermsLike = CrossLedgerTerms | CrossLedgerTermsInput;

/**
 * Validates `terms` and checks that they name the ledger `ctx` is connected to on their side
 * (`stChainId`/`stLedger` for the ST ledger, `cashChainId`/`cashLedger` for the cash ledger), so
 * a call on the wrong ledger is an {@link InvalidTermsError} before anything is sent.
 */
export function termsFor(
  ctx: StLedgerContext | CashLedgerContext,
  input: CrossLedgerTermsLike,
): CrossLedgerTerms {
  const terms = buildCrossLedgerTerms(input as CrossLedgerTermsInput);
  const [chainField, ledgerField, chainId, ledger] =
    ctx.side === "st"
      ? (["terms.stChainId", "terms.stLedger", terms.stChainId, terms.stLedger] as const)
      : (["terms.cashChainId", "terms.cashLedger", terms.cashChainId, terms.cashLedger] as const);
  const name = ctx.side === "st" ? "ST" : "cash";
  if (chainId !== ctx.chainId)
    throw new InvalidTermsError(
      chainField,
      chainId,
      `is not the connected ${name} ledger's chain ${ctx.chainId}`,
    );
  const mine = getAddress((ctx.side === "st" ? ctx.delivery.target : ctx.payment.target) as string);
  if (ledger !== mine)
    throw new InvalidTermsError(
      ledgerField,
      ledger,
      `is not the connected ${name} ledger's contract ${mine}`,
    );
  return terms;
}

/** The address of a ledger context's contract. */
export function ledgerAddress(ctx: StLedgerContext | CashLedgerContext): string {
  return getAddress((ctx.side === "st" ? ctx.delivery.target : ctx.payment.target) as string);
}
