import * as a from "@kessai/sdk";
import { need, optional } from "../args.js";
import { CliUsageError } from "../errors.js";
import type { Command } from "../command.js";
import type { Invocation } from "../context.js";
import { kv, txJson, txText } from "../output.js";

const LOCK = {
  "lock-address": {
    type: "string" as const,
    arg: "ADDR",
    help: "into / from the lock of this address instead of the free units",
  },
};

/** The address argument, or the signer's address, or a usage error. */
export async function accountArg(inv: Invocation, what: string): Promise<string> {
  if (inv.positionals[0] !== undefined) return a.toAddress(inv.positionals[0], "address");
  const me = await inv.signerAddress();
  if (!me) {
    throw new CliUsageError("address", `${what}: give an address, or a signer (--key / --account)`);
  }
  return me;
}

export const stCommands: Command[] = [
  {
    path: ["st", "issue"],
    summary: "issue security-token units to an account (ISSUER_ROLE)",
    usage: "--to ADDR --amount N [--lock-address ADDR]",
    options: {
      to: { type: "string", arg: "ADDR", help: "receiver (must be eligible)" },
      amount: { type: "string", arg: "N", help: "units to issue" },
      ...LOCK,
    },
    examples: ["kessai st issue --to 0x90F7…b906 --amount 1000 --account 1"],
    async run(inv) {
      const to = a.toAddress(need(inv.values, "to"), "--to");
      const value = a.parseAmount(need(inv.values, "amount"), "--amount");
      const lockAddress = optional(inv.values, "lock-address", a.toAddress);
      await inv.requireSigner("st issue");
      const ctx = await inv.chain();
      const r = await inv.progress.run(`issuing ${value} ST to ${to}`, () =>
        a.issueSecurity(ctx, { to, value, lockAddress }),
      );
      return {
        json: { action: "st.issue", to, amount: value, lockAddress, ...txJson(r) },
        human: `issued ${value} ST to ${to}${lockAddress ? ` locked to ${lockAddress}` : ""} ${txText(r)}`,
      };
    },
  },
  {
    path: ["st", "redeem"],
    summary: "redeem (burn) security-token units of an account (ISSUER_ROLE)",
    usage: "--from ADDR --amount N [--lock-address ADDR]",
    options: {
      from: { type: "string", arg: "ADDR", help: "holder whose units are burnt" },
      amount: { type: "string", arg: "N", help: "units to redeem" },
      ...LOCK,
    },
    async run(inv) {
      const from = a.toAddress(need(inv.values, "from"), "--from");
      const value = a.parseAmount(need(inv.values, "amount"), "--amount");
      const lockAddress = optional(inv.values, "lock-address", a.toAddress);
      await inv.requireSigner("st redeem");
      const ctx = await inv.chain();
      const r = await inv.progress.run(`redeeming ${value} ST of ${from}`, () =>
        a.redeemSecurity(ctx, { from, value, lockAddress }),
      );
      return {
        json: { action: "st.redeem", from, amount: value, lockAddress, ...txJson(r) },
        human: `redeemed ${value} ST of ${from} ${txText(r)}`,
      };
    },
  },
  {
    path: ["st", "balance"],
    summary: "security-token balance: total, locked, available, locked to the DVP",
    usage: "[address]",
    description: "Without an address, the signer's balance.",
    options: {},
    positionals: [0, 1],
    async run(inv) {
      const account = await accountArg(inv, "st balance");
      const ctx = await inv.chain();
      const b = await a.getSecurityBalance(ctx, { account });
      return {
        json: { account, token: ctx.addresses.securityToken, ...b, lockedToDvp: b.lockedTo },
        human: kv([
          ["account", account],
          ["balance", b.balance],
          ["locked", b.locked],
          ["available", b.available],
          ["locked to DVP", b.lockedTo],
        ]),
      };
    },
  },
];
