import { BankClient, referenceText, toBankReference } from "../src/index.js";
import type { ExampleEnv } from "./env.js";

export async function run(env: ExampleEnv) {
  // #region example
  const bank = await BankClient.connect({ runner: env.bank, addresses: env.addresses });
  const buyer = await env.buyer.getAddress();

  // Only an address with an open DCJPY account may hold DCJPY: the bank opens one per customer,
  // bound to the deposit account it debits and credits (closeDepositAccount closes an empty one).
  await bank.openDepositAccount({ account: env.newInvestor, depositAccountRef: "ACCT-0042-118" });
  const { open: opened, depositAccountRef: depositAccount } = await bank.getDepositAccount({
    account: env.newInvestor,
  });

  // One issuance per bank reference: the reference of the deposit-account debit. A text of up to
  // 31 bytes is stored as a bytes32 string (the CLI's --ref encodes it the same way), so the
  // bank reads it back from the Issued event; 0x + 64 hex digits is used as is.
  const bankReference = "DEBIT-2026-11-25-000123";
  const before = await bank.getDepositBalance({ account: buyer });
  await bank.issueDeposit({ account: buyer, amount: 5_000_000n, bankReference });

  // undefined while the reference is unused
  const record = await bank.getReferenceRecord({ kind: "issuance", reference: bankReference });
  const issuances = await bank.listDepositEvents({ kind: "issued", account: buyer }); // Issued events
  const after = await bank.getDepositBalance({ account: buyer });
  return {
    account: record?.account,
    amount: record?.amount,
    listed: issuances.some((e) => e.reference === toBankReference(bankReference)),
    readBack: referenceText(issuances.at(-1)!.reference), // "DEBIT-2026-11-25-000123"
    added: after.balance - before.balance,
    opened,
    depositAccount,
  };
  // #endregion example
}
