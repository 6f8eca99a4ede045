/**
 * A node-managed account (anvil's unlocked accounts, sending with `eth_sendTransaction`) behind a
 * JSON-RPC proxy that may answer any request itself: a lost request (geth's `-32002 request timed
 * out`), a refusal, a different count. Shared by the suites of node-managed sends in transit.
 */
import { JsonRpcProvider, Wallet } from "ethers";
import type { JournalEntry, TxPolicy } from "../../../packages/sdk/src/index.js";
import {
  startAnvil,
  startRpcProxy,
  type Anvil,
  type RpcAnswer,
  type RpcProxy,
  type RpcRequest,
} from "./anvil.js";

/** Fast looks, a hole filled (or a lost request sent again) after 200 ms, a far deadline. */
export const TRANSIT_POLICY: TxPolicy = {
  pollIntervalMs: 20,
  stallCheckMs: 100,
  gapFillMs: 200,
  timeoutMs: 15_000,
};

/** geth's answer when its handler outlived the server's write timeout (the request may have run). */
export const TIMED_OUT = { code: -32002, message: "request timed out" };

/** Sends `req` to the node itself (the node takes it), whatever the proxy answers. */
export function forwardTo(anvil: Anvil, req: RpcRequest): Promise<unknown> {
  return fetch(anvil.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...req, jsonrpc: "2.0", id: 1 }),
  }).then((r) => r.json());
}

/** The outcome of `p`: its value, or its rejection. */
export function outcome<T>(p: Promise<T>): Promise<T | Error> {
  return p.then(
    (r) => r,
    (e: unknown) => e as Error,
  );
}

/** A node account, its provider and proxy, the account's mined count and a fresh payee. */
export interface NodeAccount {
  signer: Awaited<ReturnType<JsonRpcProvider["getSigner"]>>;
  n0: number;
  to: string;
  provider: JsonRpcProvider;
  proxy: RpcProxy;
  close(): Promise<void>;
}

/** Anvil's unlocked account `index`, behind a proxy where `intercept` may answer. */
export async function nodeAccount(
  anvil: Anvil,
  index: number,
  intercept: (req: RpcRequest) => RpcAnswer | undefined | Promise<RpcAnswer | undefined>,
): Promise<NodeAccount> {
  const proxy = await startRpcProxy(anvil.url, intercept);
  const provider = new JsonRpcProvider(proxy.url, undefined, {
    staticNetwork: true,
    pollingInterval: 20,
    cacheTimeout: -1,
  });
  const accounts = (await provider.send("eth_accounts", [])) as string[];
  const signer = await provider.getSigner(accounts[index]);
  const n0 = await provider.getTransactionCount(signer.address, "latest");
  const to = Wallet.createRandom().address;
  const close = async () => {
    provider.destroy();
    await proxy.close();
  };
  return { signer, n0, to, provider, proxy, close };
}

/**
 * Registers the hooks of a suite of node accounts: anvil started before it and stopped after it,
 * the account opened by a test closed after it. `account` opens one (see {@link nodeAccount}).
 */
export function nodeAccounts(): {
  anvil: () => Anvil;
  account: (
    index: number,
    intercept: (req: RpcRequest) => RpcAnswer | undefined | Promise<RpcAnswer | undefined>,
  ) => Promise<NodeAccount>;
} {
  let anvil: Anvil | undefined;
  let opened: NodeAccount | undefined;
  before(async function () {
    anvil = await startAnvil();
  });
  afterEach(async function () {
    await opened?.close();
    opened = undefined;
  });
  after(async function () {
    await anvil?.stop();
  });
  return {
    anvil: () => anvil!,
    account: async (index, intercept) => (opened = await nodeAccount(anvil!, index, intercept)),
  };
}

/**
 * The journal entry a process leaves for a node-managed send of `value` wei to `a.to` whose
 * request was lost in transit, the process gone before it sent anything again: its nonce `a.n0`,
 * no transaction.
 */
export async function lostEntry(a: NodeAccount, key: string, value: bigint): Promise<JournalEntry> {
  return {
    key,
    chainId: (await a.provider.getNetwork()).chainId.toString(),
    from: a.signer.address,
    request: { to: a.to, data: "0x", value: value.toString(), gasLimit: "21000" },
    state: "signed",
    nonce: a.n0,
    txs: [],
    updatedAt: Date.now(),
  };
}
