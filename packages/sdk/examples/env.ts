import type { Provider, Signer } from "ethers";
import type { KessaiAddresses } from "../src/index.js";

/**
 * What every example of docs/sdk-guide.md receives: one deployment, one signer per party and a
 * provider. The roles are granted (issuer, bank, agent), the seller and buyer firms are registered
 * in the issuer's investor register and have open DCJPY accounts, the seller holds ST and the buyer
 * holds DCJPY. In an application these
 * come from your key management and `addressesFromIgnition(...)`.
 */
export interface ExampleEnv {
  /** The deployment (security token, DCJPY, DVP). */
  addresses: KessaiAddresses;
  /** A read-only provider on the same network. */
  provider: Provider;
  /** Holds the security token's ISSUER_ROLE and the security registry's REGISTRAR_ROLE. */
  issuer: Signer;
  /** Holds DCJPY's REGISTRAR_ROLE, ISSUER_ROLE, REDEEMER_ROLE, FREEZER_ROLE and PAUSER_ROLE. */
  bank: Signer;
  /** A securities firm selling the ST. */
  seller: Signer;
  /** A securities firm buying it with DCJPY. */
  buyer: Signer;
  /** Holds the DVP's SETTLEMENT_AGENT_ROLE. */
  agent: Signer;
  /** An account registered nowhere yet, without a DCJPY account. */
  newInvestor: string;
}
