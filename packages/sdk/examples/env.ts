import type { Provider, Signer } from "ethers";
import { BankClient, buildTerms, FirmClient, type KessaiAddresses } from "../src/index.js";

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

/** What a trade between the two firms is agreed on besides the parties, the tokens and the time. */
export interface ExampleTrade {
  /** The settlement ID both firms agreed. */
  id: string;
  /** Units of the security token. */
  quantity: bigint;
  /** DCJPY the buyer pays. */
  amount: bigint;
}

/**
 * The seller's, the buyer's and the bank's clients, and `terms(trade)`: the terms of a trade
 * between the two firms in `env`'s security token against its DCJPY, due an hour after the latest
 * block. The examples that settle a trade through `settleTrade` start from these.
 */
export async function tradingParties(env: ExampleEnv) {
  const seller = await FirmClient.connect({ runner: env.seller, addresses: env.addresses });
  const buyer = await FirmClient.connect({ runner: env.buyer, addresses: env.addresses });
  const bank = await BankClient.connect({ runner: env.bank, addresses: env.addresses });
  const now = (await env.provider.getBlock("latest"))!.timestamp;
  const terms = (trade: ExampleTrade) =>
    buildTerms({
      ...trade,
      seller: seller.address,
      buyer: buyer.address,
      securityToken: env.addresses.securityToken,
      cashToken: env.addresses.depositToken,
      deadline: now + 3600,
    });
  return { seller, buyer, bank, terms };
}
