import { formatEther, getAddress } from "ethers";
import type { Command } from "../command.js";
import { table } from "../output.js";

export const accountsCommand: Command = {
  path: ["accounts"],
  summary: "the node's unlocked accounts (eth_accounts), for --account N",
  usage: "",
  options: {},
  async run(inv) {
    const provider = await inv.provider();
    const accounts = ((await provider.send("eth_accounts", [])) as string[]).map((a) =>
      getAddress(a),
    );
    const balances = await Promise.all(accounts.map((a) => provider.getBalance(a)));
    const rows = accounts.map((address, index) => ({ index, address, balance: balances[index] }));
    return {
      json: rows,
      human: rows.length
        ? table(
            ["N", "ADDRESS", "ETH"],
            rows.map((r) => [String(r.index), r.address, formatEther(r.balance)]),
          )
        : "the node has no unlocked accounts",
    };
  },
};
