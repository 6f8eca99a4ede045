import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * An m-of-n verifier for two-ledger settlements (an immutable ERC-1271 signer). Both ledgers call
 * it, so it must live at the same address on both: deploy this module on each with the same
 * parameters and `--strategy create2` (the address then depends only on the bytecode, the
 * constructor arguments and the salt), then grant it VERIFIER_ROLE on each ledger's contract
 * (the `verifier` parameter of CrossLedgerDeliveryModule and CrossLedgerPaymentModule).
 *
 * Parameters: `members` (addresses, strictly ascending), `threshold` (1 to the number of members).
 */
export default buildModule("VerifierQuorumModule", (m) => {
  const quorum = m.contract("VerifierQuorum", [
    m.getParameter<string[]>("members"),
    m.getParameter("threshold", 1),
  ]);
  return { quorum };
});
