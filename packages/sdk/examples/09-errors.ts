import {
  BankClient,
  ContractError,
  DepositTokenIssuanceReferenceUsed,
  FirmClient,
  InputError,
  InvalidAddressError,
  KessaiError,
  SecurityTokenInsufficientUnlockedBalance,
} from "../src/index.js";
import type { ExampleEnv } from "./env.js";

export async function run(env: ExampleEnv) {
  // #region example
  const seller = await FirmClient.connect({ runner: env.seller, addresses: env.addresses });
  const bank = await BankClient.connect({ runner: env.bank, addresses: env.addresses });
  const caught: unknown[] = [];
  const attempt = async (f: () => Promise<unknown>) => {
    try {
      await f();
    } catch (e) {
      caught.push(e);
    }
  };

  // A contract revert becomes the generated class of its custom error, with typed args.
  const buyer = await env.buyer.getAddress();
  await attempt(() => seller.transferSecurity({ to: buyer, value: 10n ** 30n }));
  const [short] = caught;
  // instanceof narrows the type: args are typed as declared in Solidity (uint256 -> bigint).
  const available =
    short instanceof SecurityTokenInsufficientUnlockedBalance ? short.args.available : -1n;

  // A bank reference is single-use: the second issuance is refused before anything is mined.
  const bankReference = "DEBIT-ERRORS-EXAMPLE";
  await bank.issueDeposit({ account: seller.address, amount: 1n, bankReference });
  await attempt(() => bank.issueDeposit({ account: seller.address, amount: 1n, bankReference }));

  // Bad input is refused before anything is signed or sent.
  await attempt(() => seller.transferSecurity({ to: "0x1234", value: 1n }));

  const errors = caught.map((e) => ({
    name: (e as Error).name,
    kessai: e instanceof KessaiError,
    contract: e instanceof ContractError,
    input: e instanceof InputError,
    args: e instanceof ContractError ? e.args : undefined,
    referenceUsed: e instanceof DepositTokenIssuanceReferenceUsed,
    badAddress: e instanceof InvalidAddressError,
    shortMessage: (e as KessaiError).shortMessage,
  }));
  return { available, errors };
  // #endregion example
}
