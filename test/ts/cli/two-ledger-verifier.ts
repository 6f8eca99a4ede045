/**
 * The verifier service in process over two anvil nodes (test/ts/verifier/two-nodes.ts), as the
 * two-ledger trades tests and bench/trades-xledger.ts run it: confirmations 1, quick polls and
 * retries, silent logs, its store in `dir`. `close()` stops it and releases its providers.
 */
import path from "node:path";
import { JsonRpcProvider, Wallet } from "ethers";
import { openSqliteStore } from "@kessai/storage";
import { Verifier, listenHttp, type VerifierHttp } from "../../../packages/verifier/src/index.js";
import { nodeKey } from "../sdk/hardhat-node.js";
import { VERIFIER, type TwoLedgers } from "../verifier/two-nodes.js";

export interface TwoLedgerVerifier {
  verifier: Verifier;
  /** Its HTTP endpoint (attestations), with `http: true`. */
  url?: string;
  close(): Promise<void>;
}

/**
 * Opens and starts the verifier service on both ledgers of `l`; `relay: false` gives it an ST
 * sender without ether (it decides and signs, but cannot carry an outcome to the ST ledger),
 * `http: true` serves its endpoint.
 */
export async function startVerifierOn(
  l: TwoLedgers,
  dir: string,
  o: { relay?: boolean; http?: boolean } = {},
): Promise<TwoLedgerVerifier> {
  const providers: JsonRpcProvider[] = [];
  const sender = (url: string) => {
    const p = new JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: 20 });
    providers.push(p);
    return new Wallet(nodeKey(VERIFIER), p);
  };
  const verifier = await Verifier.open({
    store: await openSqliteStore({ filename: path.join(dir, "verifier.db") }),
    st: {
      sender:
        o.relay === false
          ? Wallet.createRandom().connect(sender(l.st.node.url).provider)
          : sender(l.st.node.url),
      contract: l.addr.delivery,
    },
    cash: { sender: sender(l.cash.node.url), contract: l.addr.payment },
    attester: new Wallet(nodeKey(VERIFIER)),
    confirmations: 1,
    pollMs: 50,
    txPolicy: { pollIntervalMs: 20, stallCheckMs: 200, timeoutMs: 600_000 },
    backoff: { initialDelayMs: 50, multiplier: 2, maxDelayMs: 200, jitter: 0 },
    logger: { info() {}, warn() {}, error() {} },
  });
  verifier.start();
  const http: VerifierHttp | undefined = o.http ? await listenHttp(verifier) : undefined;
  return {
    verifier,
    ...(http ? { url: http.url } : {}),
    close: async () => {
      await verifier.stop();
      await http?.close();
      await verifier.store.close();
      for (const p of providers) p.destroy();
    },
  };
}
