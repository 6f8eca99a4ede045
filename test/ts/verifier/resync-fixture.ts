/**
 * The fixture of the resync tests against two nodes: two anvil ledgers, a new database of the
 * back end and the service opened on it with k confirmations, and `kessai verifier resync` run
 * in-process against them.
 */
import { writeFile } from "node:fs/promises";
import { openStore, type Store } from "@kessai/storage";
import { tempSqliteDir, type TempSqliteDir } from "../../../packages/storage/src/testing/index.js";
import { main } from "../../../packages/cli/src/main.js";
import type {
  CrossLedgerTerms,
  Verifier,
  VerifierOptions,
} from "../../../packages/verifier/src/index.js";
import { nodeKey } from "../sdk/hardhat-node.js";
import type { Backend } from "../storage/backends.js";
import { databaseUrl } from "../storage/database-url.js";
import { mineBlocks, openNodeVerifier } from "./fixture.js";
import { VERIFIER, issue, lock, startTwoLedgers, type TwoLedgers } from "./two-nodes.js";

/** Runs `suite` inside `describe("<title> on sqlite")` with a back end of SQLite files. */
export const sqliteOnly = (title: string, suite: (b: () => Backend) => void) =>
  describe(`${title} on sqlite`, function () {
    let dir: TempSqliteDir;
    const b = {
      dialect: "sqlite" as const,
      newDatabase: async () => dir.file(),
    } as unknown as Backend;
    before(async () => {
      dir = await tempSqliteDir();
    });
    after(async () => {
      await dir?.remove();
    });
    suite(() => b);
  });

export interface ResyncNodes {
  l: TwoLedgers;
  store: Store;
  /** The ST ledger's newest block, asked of the node (the provider may cache it). */
  height(): Promise<number>;
  /** Opens the service on the fixture's database (closed in `after`); `over` wins. */
  open(over?: Partial<VerifierOptions>): Promise<Verifier>;
  /**
   * Issues the units of `t` and locks them a few blocks later (so that a reorg from the lock's
   * block keeps the issue), then mines k + 1 blocks on the ST ledger: the lock's block.
   */
  lockAboveIssue(t: CrossLedgerTerms): Promise<number>;
  /**
   * Writes the service's JSON config (`kessai verifier start`, `resync`) for the fixture's nodes
   * and database, `over` added, to a new file; returns its path.
   */
  config(name: string, over?: object): Promise<string>;
  /** Runs `kessai verifier resync --ledger <ledger> --from-block <fromBlock>`: exit status and output. */
  resync(
    fromBlock: number,
    ledger?: "st" | "cash",
  ): Promise<{ code: number; out: string; err: string }>;
}

/**
 * Starts the two ledgers and opens a new database of `backend` in `before` of the calling
 * `describe`, and stops them in its `after`. The fields are set once `before` has run.
 */
export function useResyncNodes(backend: () => Backend, confirmations: number): ResyncNodes {
  let tmp: TempSqliteDir | undefined;
  let dbUrl: string;
  const closing: (() => void)[] = [];
  const nodes = {
    async height() {
      return Number(await nodes.l.st.node.rpc("eth_blockNumber", []));
    },
    async open(over: Partial<VerifierOptions> = {}) {
      const v = await openNodeVerifier(nodes.l, nodes.store, { confirmations, ...over });
      closing.push(v.close);
      return v.verifier;
    },
    async lockAboveIssue(t: CrossLedgerTerms) {
      await issue(nodes.l, t);
      await mineBlocks(nodes.l.st, 3); // the units' issue stays below the reorg
      await lock(nodes.l, t, { issued: true });
      const lockBlock = await nodes.height();
      await mineBlocks(nodes.l.st, confirmations + 1);
      return lockBlock;
    },
    async config(name: string, over: object = {}) {
      const file = tmp!.file(`${name}.json`);
      await writeFile(
        file,
        JSON.stringify({
          database: { url: dbUrl },
          st: { rpcUrl: nodes.l.st.node.url, contract: nodes.l.addr.delivery },
          cash: { rpcUrl: nodes.l.cash.node.url, contract: nodes.l.addr.payment },
          privateKey: nodeKey(VERIFIER),
          confirmations,
          ...over,
        }),
      );
      return file;
    },
    async resync(fromBlock: number, ledger: "st" | "cash" = "st") {
      const config = await nodes.config(`verifier-${fromBlock}`);
      let out = "";
      let err = "";
      const argv = ["verifier", "resync", "--config", config, "--ledger", ledger];
      const code = await main([...argv, "--from-block", `${fromBlock}`], {
        out: (s) => (out += s),
        err: (s) => (err += s),
      });
      return { code, out, err };
    },
  } as ResyncNodes;

  before(async function () {
    this.timeout(180_000); // two anvil nodes: seconds when quiet, over 60 s at load 8-11
    nodes.l = await startTwoLedgers();
    tmp = await tempSqliteDir();
    dbUrl = await databaseUrl(backend());
    nodes.store = await openStore(dbUrl);
  });

  after(async function () {
    this.timeout(30_000);
    for (const c of closing) c();
    await nodes.store?.close();
    await nodes.l?.stop();
    await tmp?.remove();
  });

  return nodes;
}
