import * as a from "@kessai/sdk";
import { need } from "../args.js";
import { showCommand, subject, type Command } from "../command.js";
import { bytes32Text, kv, txJson, txText } from "../output.js";

/** The bank's DCJPY account book: `kessai account open|close|show`. */
export const accountCommands: Command[] = [
  {
    path: ["account", "open"],
    summary: "open a DCJPY account bound to a deposit account (bank, REGISTRAR_ROLE)",
    usage: "<address> --ref DEPOSITREF",
    description:
      "From then on the address may hold, send and receive DCJPY (unless frozen). DEPOSITREF is\n" +
      "the bank's reference of the deposit account behind it: 32-byte hex, or a short text such\n" +
      "as ACCT-0001 (not zero).",
    options: {
      ref: {
        type: "string",
        arg: "DEPOSITREF",
        help: "deposit-account reference (bytes32 hex or short text)",
      },
    },
    positionals: [1, 1],
    examples: ["kessai account open 0x15d3…6A65 --ref ACCT-0002 --account 2"],
    async run(inv) {
      const account = subject(inv);
      const depositAccountRef = a.toBankReference(need(inv.values, "ref"), "--ref");
      await inv.requireSigner("account open");
      const ctx = await inv.chain();
      const r = await inv.progress.run(`opening a DCJPY account for ${account}`, () =>
        a.openDepositAccount(ctx, { account, depositAccountRef }),
      );
      return {
        json: { action: "account.open", account, depositAccountRef, ...txJson(r) },
        human: `opened a DCJPY account for ${account} (deposit account ${bytes32Text(depositAccountRef)}) ${txText(r)}`,
      };
    },
  },
  {
    path: ["account", "close"],
    summary: "close a DCJPY account; with --redeem, close out one that holds a balance (bank)",
    usage: "<address> [--redeem REDEMPTIONREF]",
    description:
      "The address may then no longer hold, send or receive DCJPY. Without --redeem the account\n" +
      "must hold nothing (REGISTRAR_ROLE); freezes on it are kept. With --redeem the bank closes it\n" +
      "out: it freezes the account (if not yet frozen), then in one multicall transaction lifts\n" +
      "the freezes, redeems the whole balance under REDEMPTIONREF and closes it, so no transfer\n" +
      "can land in between (FREEZER_ROLE, REDEEMER_ROLE and REGISTRAR_ROLE).",
    options: {
      redeem: {
        type: "string",
        arg: "REDEMPTIONREF",
        help: "close out: redeem the whole balance under this reference first (bytes32 or text)",
      },
    },
    positionals: [1, 1],
    examples: [
      "kessai account close 0x15d3…6A65 --account 2",
      "kessai account close 0x15d3…6A65 --redeem CLOSE-0002 --account 2",
    ],
    async run(inv) {
      const account = subject(inv);
      const redeem = inv.values.redeem;
      const redemptionRef =
        typeof redeem === "string" ? a.toBankReference(redeem, "--redeem") : undefined;
      await inv.requireSigner("account close");
      const ctx = await inv.chain();
      if (redemptionRef !== undefined) {
        const r = await inv.progress.run(`closing out the DCJPY account of ${account}`, () =>
          a.closeOutDepositAccount(ctx, { account, redemptionRef }),
        );
        return {
          json: {
            action: "account.closeOut",
            account,
            redemptionRef,
            redeemed: r.redeemed,
            freezeTx: r.freeze?.hash ?? null,
            ...txJson(r.closeOut),
          },
          human:
            `closed out the DCJPY account of ${account}: redeemed ${r.redeemed} under ` +
            `${bytes32Text(redemptionRef)} ${txText(r.closeOut)}`,
        };
      }
      const r = await inv.progress.run(`closing the DCJPY account of ${account}`, () =>
        a.closeDepositAccount(ctx, { account }),
      );
      return {
        json: { action: "account.close", account, ...txJson(r) },
        human: `closed the DCJPY account of ${account} ${txText(r)}`,
      };
    },
  },
  showCommand(
    "account",
    "show a DCJPY account: open or not, its deposit account, frozen, balance",
    async (ctx, account) => {
      const [acct, bal] = await Promise.all([
        a.getDepositAccount(ctx, { account }),
        a.getDepositBalance(ctx, { account }),
      ]);
      return {
        json: {
          account,
          token: ctx.addresses.depositToken,
          open: acct.open,
          depositAccountRef: acct.depositAccountRef ?? null,
          accountFrozen: bal.accountFrozen,
          balance: bal.balance,
          frozen: bal.frozen,
        },
        human: kv([
          ["account", account],
          ["open", acct.open],
          ["depositAccount", acct.depositAccountRef ? bytes32Text(acct.depositAccountRef) : "-"],
          ["account frozen", bal.accountFrozen],
          ["balance", bal.balance],
          ["frozen", bal.frozen],
        ]),
      };
    },
  ),
];
