/** `kessai verifier resync` run in-process against two nodes, for the resync tests. */
import { writeFile } from "node:fs/promises";
import { main } from "../../../packages/cli/src/main.js";
import { nodeKey } from "../sdk/hardhat-node.js";
import { VERIFIER, type TwoLedgers } from "./two-nodes.js";

/** Writes the service's configuration to `config` and runs resync with it: exit status and output. */
export async function resyncCli(
  a: { l: TwoLedgers; dbUrl: string; config: string; confirmations: number },
  ledger: "st" | "cash",
  fromBlock: number,
): Promise<{ code: number; out: string; err: string }> {
  await writeFile(
    a.config,
    JSON.stringify({
      database: { url: a.dbUrl },
      st: { rpcUrl: a.l.st.node.url, contract: a.l.addr.delivery },
      cash: { rpcUrl: a.l.cash.node.url, contract: a.l.addr.payment },
      privateKey: nodeKey(VERIFIER),
      confirmations: a.confirmations,
    }),
  );
  let out = "";
  let err = "";
  const argv = ["verifier", "resync", "--config", a.config, "--ledger", ledger];
  const code = await main([...argv, "--from-block", `${fromBlock}`], {
    out: (s) => (out += s),
    err: (s) => (err += s),
  });
  return { code, out, err };
}
