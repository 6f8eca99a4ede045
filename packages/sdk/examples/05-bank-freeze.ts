import { BankClient } from "../src/index.js";
import type { ExampleEnv } from "./env.js";

export async function run(env: ExampleEnv) {
  // #region example
  const bank = await BankClient.connect({ runner: env.bank, addresses: env.addresses });
  const buyer = await env.buyer.getAddress();

  // Freeze part of a balance (e.g. a court order for 1,000 yen)...
  await bank.setPartialFreeze({ account: buyer, delta: 1_000n });
  const partly = await bank.getDepositBalance({ account: buyer });
  await bank.setPartialFreeze({ account: buyer, delta: -1_000n });

  // ...or the whole account: it can then neither send nor receive DCJPY.
  await bank.setAccountFrozen({ account: buyer, frozen: true });
  const whole = await bank.getDepositBalance({ account: buyer });
  await bank.setAccountFrozen({ account: buyer, frozen: false });

  return {
    frozen: partly.frozen,
    available: partly.available,
    balance: partly.balance,
    accountFrozen: whole.accountFrozen,
    afterUnfreeze: (await bank.getDepositBalance({ account: buyer })).accountFrozen,
  };
  // #endregion example
}
