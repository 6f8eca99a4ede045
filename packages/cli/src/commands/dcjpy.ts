import * as a from "@kessai/sdk";
import { need, optional } from "../args.js";
import type { Command } from "../command.js";
import { kv, txJson, txText } from "../output.js";
import { accountArg } from "./st.js";

const REF_HELP = "32-byte hex, or a short text such as BANK-2026-0001 (once per reference)";

export const dcjpyCommands: Command[] = [
  {
    path: ["dcjpy", "issue"],
    summary: "mint DCJPY to an account against a deposit-account debit (bank, ISSUER_ROLE)",
    usage: "--to ADDR --amount N --ref BANKREF",
    options: {
      to: { type: "string", arg: "ADDR", help: "receiver (must have an open DCJPY account)" },
      amount: { type: "string", arg: "N", help: "yen (base units)" },
      ref: { type: "string", arg: "BANKREF", help: `bank reference of the debit: ${REF_HELP}` },
    },
    examples: ["kessai dcjpy issue --to 0x15d3…6A65 --amount 1000000 --ref DEBIT-0001 --account 2"],
    async run(inv) {
      const account = a.toAddress(need(inv.values, "to"), "--to");
      const amount = a.parseAmount(need(inv.values, "amount"), "--amount");
      const bankReference = a.toBankReference(need(inv.values, "ref"), "--ref");
      await inv.requireSigner("dcjpy issue");
      const ctx = await inv.chain();
      const r = await inv.progress.run(`issuing ${amount} DCJPY to ${account}`, () =>
        a.issueDeposit(ctx, { account, amount, bankReference }),
      );
      return {
        json: { action: "dcjpy.issue", to: account, amount, bankReference, ...txJson(r) },
        human: `issued ${amount} DCJPY to ${account} ${txText(r)}`,
      };
    },
  },
  {
    path: ["dcjpy", "redeem"],
    summary: "burn DCJPY back to the deposit account (holder; or the bank with --from)",
    usage: "--amount N --ref REDEMPTIONREF [--from ADDR]",
    description:
      "Without --from, the signer redeems its own DCJPY. With --from, the bank (REDEEMER_ROLE)\n" +
      "redeems on that holder's behalf.",
    options: {
      amount: { type: "string", arg: "N", help: "yen (base units)" },
      ref: { type: "string", arg: "REF", help: `redemption reference: ${REF_HELP}` },
      from: { type: "string", arg: "ADDR", help: "holder to redeem for (bank only)" },
    },
    async run(inv) {
      const amount = a.parseAmount(need(inv.values, "amount"), "--amount");
      const redemptionRef = a.toBankReference(need(inv.values, "ref"), "--ref");
      const from = optional(inv.values, "from", a.toAddress);
      await inv.requireSigner("dcjpy redeem");
      const ctx = await inv.chain();
      const r = await inv.progress.run(`redeeming ${amount} DCJPY`, () =>
        from
          ? a.redeemDepositFrom(ctx, { account: from, amount, redemptionRef })
          : a.redeemDeposit(ctx, { amount, redemptionRef }),
      );
      const who = from ?? ctx.account!;
      return {
        json: { action: "dcjpy.redeem", from: who, amount, redemptionRef, ...txJson(r) },
        human: `redeemed ${amount} DCJPY of ${who} ${txText(r)}`,
      };
    },
  },
  {
    path: ["dcjpy", "request"],
    summary: "ask the bank to debit a deposit account and mint DCJPY to the signer",
    usage: "--amount N --deposit-account REF",
    options: {
      amount: { type: "string", arg: "N", help: "yen (base units)" },
      "deposit-account": {
        type: "string",
        arg: "REF",
        help: "which deposit account to debit (bytes32 hex or short text)",
      },
    },
    async run(inv) {
      const amount = a.parseAmount(need(inv.values, "amount"), "--amount");
      const depositAccountRef = a.toBankReference(
        need(inv.values, "deposit-account"),
        "--deposit-account",
        { allowZero: true },
      );
      await inv.requireSigner("dcjpy request");
      const ctx = await inv.chain();
      const r = await inv.progress.run(`requesting ${amount} DCJPY`, () =>
        a.requestIssuance(ctx, { amount, depositAccountRef }),
      );
      return {
        json: {
          action: "dcjpy.request",
          requestId: r.requestId,
          amount,
          depositAccountRef,
          ...txJson(r),
        },
        human: `requested ${amount} DCJPY: request ${r.requestId} ${txText(r)}`,
      };
    },
  },
  {
    path: ["dcjpy", "fulfil"],
    summary: "fulfil a pending issuance request (bank, ISSUER_ROLE)",
    usage: "--request-id N --ref BANKREF",
    options: {
      "request-id": { type: "string", arg: "N", help: "the request number" },
      ref: { type: "string", arg: "BANKREF", help: `bank reference of the debit: ${REF_HELP}` },
    },
    async run(inv) {
      const requestId = a.parseAmount(need(inv.values, "request-id"), "--request-id");
      const bankReference = a.toBankReference(need(inv.values, "ref"), "--ref");
      await inv.requireSigner("dcjpy fulfil");
      const ctx = await inv.chain();
      const r = await inv.progress.run(`fulfilling request ${requestId}`, () =>
        a.fulfilIssuanceRequest(ctx, { requestId, bankReference }),
      );
      return {
        json: { action: "dcjpy.fulfil", requestId, bankReference, ...txJson(r) },
        human: `fulfilled request ${requestId} ${txText(r)}`,
      };
    },
  },
  {
    path: ["dcjpy", "approve"],
    summary: "allow the DVP (or --spender) to spend the signer's DCJPY",
    usage: "--amount N [--spender ADDR]",
    description: "Needed before `settlement settle` without --authorization. --amount 0 revokes.",
    options: {
      amount: { type: "string", arg: "N", help: "allowance (base units)" },
      spender: { type: "string", arg: "ADDR", help: "spender (default: the DVP)" },
    },
    async run(inv) {
      const amount = a.parseAmount(need(inv.values, "amount"), "--amount", { allowZero: true });
      const spender = optional(inv.values, "spender", a.toAddress);
      await inv.requireSigner("dcjpy approve");
      const ctx = await inv.chain();
      const to = spender ?? ctx.addresses.dvp;
      const r = await inv.progress.run(`approving ${amount} DCJPY to ${to}`, () =>
        a.approveDeposit(ctx, { spender: to, amount }),
      );
      return {
        json: { action: "dcjpy.approve", spender: to, amount, ...txJson(r) },
        human: `approved ${to} to spend ${amount} DCJPY ${txText(r)}`,
      };
    },
  },
  {
    path: ["dcjpy", "balance"],
    summary: "DCJPY position: balance, available, frozen, allowance to the DVP",
    usage: "[address]",
    description: "Without an address, the signer's position.",
    options: {},
    positionals: [0, 1],
    async run(inv) {
      const account = await accountArg(inv, "dcjpy balance");
      const ctx = await inv.chain();
      const b = await a.getDepositBalance(ctx, { account });
      return {
        json: { account, token: ctx.addresses.depositToken, ...b },
        human: kv([
          ["account", account],
          ["balance", b.balance],
          ["available", b.available],
          ["frozen", b.frozen],
          ["account frozen", b.accountFrozen],
          ["DVP allowance", b.dvpAllowance],
        ]),
      };
    },
  },
];
