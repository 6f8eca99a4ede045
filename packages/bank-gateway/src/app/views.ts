/**
 * The JSON shapes the API returns (amounts as decimal strings, times as ISO-8601), typed against
 * the wire types of the client (`@kessai/sdk/gateway`), so the server and the client cannot drift.
 */
import type {
  GatewayAccountJson,
  GatewayFirmJson,
  GatewayIssuanceJson,
  GatewayRedemptionJson,
  GatewayStatementLineJson,
} from "@kessai/sdk/gateway";
import type { Account, StatementLine } from "../store/ledger.js";
import type { Firm, Issuance, Redemption } from "../store/records.js";

export const accountView = (a: Account): GatewayAccountJson => ({
  id: a.id,
  kind: a.kind,
  firmId: a.firmId ?? null,
  status: a.status,
  balances: {
    posted: a.balances.posted.toString(),
    available: a.balances.available.toString(),
    pendingDebits: a.balances.debitsPending.toString(),
    pendingCredits: a.balances.creditsPending.toString(),
  },
  updatedAt: a.updatedAt.toISOString(),
});

export const issuanceView = (i: Issuance): GatewayIssuanceJson => ({
  id: i.id,
  object: "issuance" as const,
  source: i.source,
  requestId: i.requestId?.toString() ?? null,
  account: i.accountId ?? null,
  to: i.to,
  amount: i.amount.toString(),
  reference: i.reference,
  state: i.state,
  txHash: i.txHash ?? null,
  blockNumber: i.blockNumber ?? null,
  error: i.errorCode ? { code: i.errorCode, message: i.errorMessage ?? "" } : null,
  createdAt: i.createdAt.toISOString(),
  updatedAt: i.updatedAt.toISOString(),
});

export const redemptionView = (r: Redemption): GatewayRedemptionJson => ({
  id: r.id,
  object: "redemption" as const,
  from: r.from,
  amount: r.amount.toString(),
  reference: r.reference,
  state: r.state,
  txHash: r.txHash ?? null,
  blockNumber: r.blockNumber ?? null,
  error: r.errorCode ? { code: r.errorCode, message: r.errorMessage ?? "" } : null,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

export const firmView = (f: Firm): GatewayFirmJson => ({
  id: f.id,
  name: f.name,
  dcjpyAddress: f.dcjpyAddress,
  depositAccountRef: f.depositAccountRef,
  status: f.status,
  frozen: f.frozen,
  lastError: f.lastError ?? null,
  createdAt: f.createdAt.toISOString(),
  updatedAt: f.updatedAt.toISOString(),
});

export const statementLineView = (l: StatementLine): GatewayStatementLineJson => ({
  transferId: l.transferId,
  kind: l.kind,
  amount: l.amount.toString(),
  counterparty: l.counterparty,
  reference: l.reference ?? null,
  description: l.description ?? null,
  createdAt: l.createdAt.toISOString(),
});
