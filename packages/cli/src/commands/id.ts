import { parseAmount, toAddress } from "@kessai/sdk";
import { need } from "../args.js";
import { CliUsageError } from "../errors.js";
import type { Command } from "../command.js";
import { TRADE_FLAGS, deriveId } from "./settlement.js";

export const idCommand: Command = {
  path: ["id", "derive"],
  summary: "derive the settlement ID both firms compute from the trade",
  usage:
    "--venue V --trade-id T --trade-date YYYY-MM-DD --seller ADDR --buyer ADDR --quantity N --amount N",
  description:
    'id = keccak256(abi.encode(keccak256("kessai.settlement.v1"), venue, tradeId, tradeDate,\n' +
    "seller, buyer, securityToken, quantity, amount)). The security token is the deployment's\n" +
    "(or --security-token). No transaction, no network.",
  options: TRADE_FLAGS,
  examples: [
    "kessai id derive --venue PTS --trade-id T-1 --trade-date 2026-11-25 --seller 0x90F7…b906 \\\n      --buyer 0x15d3…6A65 --quantity 100 --amount 500000 --deployment kessai-deployment.json",
  ],
  async run(inv) {
    const seller = toAddress(need(inv.values, "seller"), "--seller");
    const buyer = toAddress(need(inv.values, "buyer"), "--buyer");
    const quantity = parseAmount(need(inv.values, "quantity"), "--quantity");
    const amount = parseAmount(need(inv.values, "amount"), "--amount");
    const securityToken = (await inv.addresses()).securityToken;
    if (!securityToken)
      throw new CliUsageError(
        "--security-token",
        "no security token: pass --deployment FILE or --security-token ADDR",
      );
    const id = deriveId(inv, { seller, buyer, securityToken, quantity, amount });
    const trade = {
      venue: need(inv.values, "venue"),
      tradeId: need(inv.values, "trade-id"),
      tradeDate: need(inv.values, "trade-date"),
      seller,
      buyer,
      securityToken,
      quantity,
      amount,
    };
    return {
      json: { id, trade },
      human: id,
    };
  },
};
