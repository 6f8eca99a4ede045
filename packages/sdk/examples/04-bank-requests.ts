import { BankClient, FirmClient, REQUEST_STATUS_NAMES } from "../src/index.js";
import type { ExampleEnv } from "./env.js";

export async function run(env: ExampleEnv) {
  // #region example
  const bank = await BankClient.connect({ runner: env.bank, addresses: env.addresses });
  const buyer = await FirmClient.connect({ runner: env.buyer, addresses: env.addresses });

  // The buyer asks for DCJPY against one of its deposit accounts...
  const account = "ACCT-0012345";
  const first = await buyer.requestIssuance({ amount: 300_000n, depositAccountRef: account });
  const second = await buyer.requestIssuance({ amount: 900_000n, depositAccountRef: account });

  // ...and the bank fulfils one (debiting the account under a bank reference) and rejects one.
  await bank.fulfilIssuanceRequest({ requestId: first.requestId, bankReference: "DEBIT-REQ-1" });
  await bank.rejectIssuanceRequest({ requestId: second.requestId, reason: "INSUFFICIENT-FUNDS" });

  // Anything the SDK does not wrap is one call away on the typed contracts.
  const status = async (requestId: bigint) =>
    REQUEST_STATUS_NAMES[Number((await bank.ctx.depositToken.issuanceRequest(requestId)).status)];
  return { first: await status(first.requestId), second: await status(second.requestId) };
  // #endregion example
}
