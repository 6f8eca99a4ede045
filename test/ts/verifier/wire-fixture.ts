/**
 * What the tests of the verifier's hand-written wire compare it with (wire.test.ts,
 * wire-equivalence.test.ts): the contracts' ethers interfaces, and the wire itself with the typed
 * data it signs.
 */
import type { Interface } from "ethers";
import { contracts } from "@kessai/sdk";
import type { CrossLedgerTerms } from "../../../packages/verifier/src/index.js";

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

/**
 * Terms between the first accounts, on the contracts' addresses of the in-process ledgers (ST
 * 31338, cash 31339): 10 units for 1,000,000 DCJPY, with the ID, deadline and verifier given (and
 * anything else given instead of its own).
 */
export const sampleTerms = ({
  id,
  deadline,
  verifier,
  ...over
}: Pick<CrossLedgerTerms, "id" | "deadline" | "verifier"> &
  Partial<CrossLedgerTerms>): CrossLedgerTerms => ({
  id,
  seller: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  buyer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
  stChainId: 31338n,
  stLedger: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  securityToken: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  quantity: 10n,
  cashChainId: 31339n,
  cashLedger: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
  cashToken: "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9",
  amount: 1_000_000n,
  deadline,
  verifier,
  ...over,
});
