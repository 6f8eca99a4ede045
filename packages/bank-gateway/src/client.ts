/**
 * `@kessai/bank-gateway/client`: the typed HTTP client of this service's API. It is defined once,
 * in the SDK (`@kessai/sdk/gateway`, fetch only, no ethers), and re-exported here under the names
 * it had before, so a firm's code can import it from either package and get the same classes.
 *
 * @example
 * const firm = new GatewayClient({ url: "http://127.0.0.1:8080", apiKey: firmKey });
 * const i = await firm.requestIssuance({ account: "dep_firm-a", amount: 300_000n });
 */
export * from "@kessai/sdk/gateway";
export type {
  GatewayAccount as Account,
  GatewayAccountBalances as AccountBalances,
  GatewayAmount as Yen,
  GatewayDeposit as Deposit,
  GatewayDifference as Difference,
  GatewayFailure as Failure,
  GatewayFirm as Firm,
  GatewayHealth as Health,
  GatewayIdempotentOptions as IdempotentOptions,
  GatewayIssuance as Issuance,
  GatewayReconciliation as Reconciliation,
  GatewayRedemption as Redemption,
  GatewayStatement as Statement,
  GatewayStatementLine as StatementLine,
} from "@kessai/sdk/gateway";
