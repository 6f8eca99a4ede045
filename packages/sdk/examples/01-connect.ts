import { AuditorClient, FirmClient } from "../src/index.js";
import type { ExampleEnv } from "./env.js";

export async function run(env: ExampleEnv) {
  // #region example
  // A Signer transacts; a Provider gives a read-only client. Without an ethers runner:
  // FirmClient.connect({ rpcUrl: "https://rpc.example", privateKey, addresses })
  const seller = await FirmClient.connect({ runner: env.seller, addresses: env.addresses });
  const auditor = await AuditorClient.connect({ runner: env.provider, addresses: env.addresses });

  // The issuer's investor register is read from the security token (DCJPY keeps the bank's
  // account book itself).
  const { securityRegistry } = seller.ctx.addresses;
  const { security, deposit } = await seller.getBalances();
  return {
    seller: seller.address,
    securityRegistry,
    units: security.balance,
    dcjpy: deposit.balance,
    auditorCanSign: auditor.ctx.signer !== undefined,
  };
  // #endregion example
}
