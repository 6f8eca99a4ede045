import { BankClient } from "../src/index.js";
import type { ExampleEnv } from "./env.js";

export async function run(env: ExampleEnv) {
  // #region example
  const bank = await BankClient.connect({ runner: env.bank, addresses: env.addresses });
  const buyer = await env.buyer.getAddress();

  // Freeze part of a balance (e.g. a court order for 1,000 yen)...
  await bank.freezePartial(buyer, 1_000n);
  const partly = await bank.balanceOf(buyer);
  await bank.unfreezePartial(buyer, 1_000n);

  // ...or the whole account: it can then neither send nor receive DCJPY.
  await bank.freeze(buyer);
  const whole = await bank.balanceOf(buyer);
  await bank.unfreeze(buyer);

  return {
    frozen: partly.frozen,
    available: partly.available,
    balance: partly.balance,
    accountFrozen: whole.accountFrozen,
    afterUnfreeze: (await bank.balanceOf(buyer)).accountFrozen,
  };
  // #endregion example
}
