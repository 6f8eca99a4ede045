/**
 * What the tests of the verifier's hand-written wire compare it with (wire.test.ts,
 * wire-equivalence.test.ts): the contracts' ethers interfaces, and the wire itself with the typed
 * data it signs.
 */
import type { Interface } from "ethers";
import { contracts } from "@kessai/sdk";

export {
  ORDER_TYPES,
  OUTCOME_TYPES,
  attestationDomain,
  orderDomain,
} from "../../../packages/verifier/src/terms.js";
export {
  encodeTermsCall,
  eventPayload,
  watchedEvent,
} from "../../../packages/verifier/src/wire.js";

/** CrossLedgerDelivery's interface, as ethers reads it. */
export const delivery =
  contracts.CrossLedgerDelivery__factory.createInterface() as unknown as Interface;
/** CrossLedgerPayment's interface, as ethers reads it. */
export const payment =
  contracts.CrossLedgerPayment__factory.createInterface() as unknown as Interface;
