/**
 * The state machines of an issuance (step 3) and a redemption (step 7), as data: every allowed
 * transition and the event that causes it. The store refuses any other (see `transition`).
 *
 * Issuance (a hold on the firm's deposit account backs it from the start):
 *
 * ```
 *   (API request / IssuanceRequested) ──► pending ──send──► sent ──event seen──► mined
 *                                           │  ▲             │  ▲                  │
 *                              permanent    │  └──resend─────┘  └──reorg removed───┤
 *                              error        ▼                                      │ confirmed
 *                                         failed (hold voided)        issued ◄─────┘ (hold posted)
 *   IssuanceRequested without funds or firm ──► rejecting ──rejected on chain──► rejected
 * ```
 * `sent` and `mined` may also go straight to `issued` (the confirmed event is what counts), and
 * `pending` too (a worker that died after sending: the chain already has the issuance).
 *
 * Redemption over the API (the bank burns on the firm's instruction with `redeemFrom`; a firm's
 * own `redeem` on chain has no request and is credited when its event is confirmed):
 *
 * ```
 *   pending ──send──► sent ──event seen──► mined ──confirmed──► credited (deposit credited)
 *      │                ▲                    │
 *      └─permanent──► failed     └──reorg removed──┘
 * ```
 */

import type { GatewayIssuanceState, GatewayRedemptionState } from "@kessai/sdk/gateway";

/** The states themselves are the API's, defined once with its client in `@kessai/sdk/gateway`. */
export type IssuanceState = GatewayIssuanceState;
export type RedemptionState = GatewayRedemptionState;

export const ISSUANCE_TRANSITIONS: Readonly<Record<IssuanceState, readonly IssuanceState[]>> = {
  pending: ["sent", "mined", "issued", "failed"],
  sent: ["pending", "mined", "issued", "failed"],
  mined: ["sent", "issued"],
  issued: [],
  failed: [],
  rejecting: ["rejected"],
  rejected: [],
};

export const REDEMPTION_TRANSITIONS: Readonly<Record<RedemptionState, readonly RedemptionState[]>> =
  {
    pending: ["sent", "mined", "credited", "failed"],
    sent: ["pending", "mined", "credited"],
    mined: ["sent", "credited"],
    credited: [],
    failed: ["credited"],
  };

/** Terminal states: nothing more happens to the request. */
export const ISSUANCE_FINAL: readonly IssuanceState[] = ["issued", "failed", "rejected"];
export const REDEMPTION_FINAL: readonly RedemptionState[] = ["credited", "failed"];

/** The states from which `to` may be reached. */
export function fromStates<S extends string>(table: Readonly<Record<S, readonly S[]>>, to: S): S[] {
  return (Object.keys(table) as S[]).filter((s) => table[s].includes(to));
}

/**
 * Errors of DCJPY that retrying will not fix: the request fails and its hold is voided. Anything
 * else (the node unreachable, a nonce race, a pause) is retried with backoff.
 */
export const PERMANENT_CHAIN_ERRORS: ReadonlySet<string> = new Set([
  "DepositTokenAccountFrozen",
  "DepositTokenIneligibleReceiver",
  "DepositTokenIneligibleSender",
  "DepositTokenInsufficientAvailableBalance",
  "DepositTokenSupplyCapExceeded",
  "DepositTokenZeroAmount",
  "DepositTokenZeroReference",
  "DepositTokenUnexpectedRequestStatus",
  "DepositTokenInvalidAccount",
  "DepositTokenAccountNotEmpty",
  "DepositTokenAccountNotOpen",
  "AccessControlUnauthorizedAccount",
]);
