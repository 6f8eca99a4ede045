/**
 * Request and response schemas (zod), the single source for input validation and for the
 * OpenAPI document served at /openapi.json.
 */
import {
  GATEWAY_ACCOUNT_KINDS,
  GATEWAY_FIRM_STATES,
  GATEWAY_ISSUANCE_STATES,
  GATEWAY_REDEMPTION_STATES,
  GATEWAY_TRANSFER_KINDS,
} from "@kessai/sdk/gateway";
import { z } from "zod";

export const AmountInput = z
  .union([z.number(), z.string()])
  .describe("Whole yen: a positive JSON integer (up to 2^53) or a string of digits");

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().describe("Stable machine-readable code, e.g. insufficient_funds"),
      message: z.string(),
      field: z.string().optional().describe("The input the error is about"),
    }),
  })
  .meta({ id: "Error" });

export const Balances = z.object({
  posted: z.string(),
  available: z.string(),
  pendingDebits: z.string(),
  pendingCredits: z.string(),
});

export const AccountBody = z
  .object({
    id: z.string(),
    kind: z.enum(GATEWAY_ACCOUNT_KINDS),
    firmId: z.string().nullable(),
    status: z.enum(["open", "closed"]),
    balances: Balances,
    updatedAt: z.string(),
  })
  .meta({ id: "Account" });

const Failure = z.object({ code: z.string(), message: z.string() }).nullable();

export const IssuanceBody = z
  .object({
    id: z.string(),
    object: z.literal("issuance"),
    source: z.enum(["api", "chain"]),
    requestId: z.string().nullable(),
    account: z.string().nullable(),
    to: z.string(),
    amount: z.string(),
    reference: z.string().describe("The bank reference DCJPY is issued against (bytes32)"),
    state: z.enum(GATEWAY_ISSUANCE_STATES),
    txHash: z.string().nullable(),
    blockNumber: z.number().nullable(),
    error: Failure,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "Issuance" });

export const RedemptionBody = z
  .object({
    id: z.string(),
    object: z.literal("redemption"),
    from: z.string(),
    amount: z.string(),
    reference: z.string().describe("The redemption reference of the burn (bytes32)"),
    state: z.enum(GATEWAY_REDEMPTION_STATES),
    txHash: z.string().nullable(),
    blockNumber: z.number().nullable(),
    error: Failure,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "Redemption" });

export const FirmBody = z
  .object({
    id: z.string(),
    name: z.string(),
    dcjpyAddress: z.string(),
    depositAccountRef: z.string(),
    status: z.enum(GATEWAY_FIRM_STATES),
    frozen: z.boolean(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "Firm" });

export const StatementBody = z
  .object({
    account: z.string(),
    lines: z.array(
      z.object({
        transferId: z.number(),
        kind: z.enum(GATEWAY_TRANSFER_KINDS),
        amount: z.string().describe("Signed from the account's side: + credit, − debit"),
        counterparty: z.string(),
        reference: z.string().nullable(),
        description: z.string().nullable(),
        createdAt: z.string(),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: "Statement" });

export const IssuanceRequest = z.strictObject({
  account: z.string().describe("The deposit account to debit (one of the firm's)"),
  amount: AmountInput,
});
export const RedemptionRequest = z.strictObject({ amount: AmountInput });
export const FirmRequest = z.strictObject({
  id: z.string(),
  name: z.string().min(1).max(200),
  dcjpyAddress: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "a 0x-prefixed 20-byte address"),
});
export const FreezeRequest = z.strictObject({ frozen: z.boolean() });
export const DepositRequest = z.strictObject({ firmId: z.string(), amount: AmountInput });
export const IdParams = z.strictObject({ id: z.string().min(1).max(100) });
export const StatementQuery = z.strictObject({
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
