/**
 * Shared set-up of the verifier tests that run the service in the test's own process against two
 * real nodes (./two-nodes.ts): the service over uncached JSON-RPC providers (every round reads the
 * chains' heads as they are), with short polls and backoff, on the store the test gives; and the
 * steps the reorg tests take on the nodes.
 */
import { expect } from "chai";
import { JsonRpcProvider, Wallet, type Provider } from "ethers";
import type { Store } from "@kessai/storage";
import {
  Verifier,
  type CrossLedgerTerms,
  type VerifierOptions,
} from "../../../packages/verifier/src/index.js";
import {
  TWO_LEDGER_ACCOUNTS as A,
  devKey,
  type TwoLedgers as InProcessLedgers,
} from "../../../scripts/two-ledger-deploy.js";
import { nodeKey } from "../sdk/hardhat-node.js";
import { SELLER, VERIFIER, contractsOf, type Ledger, type TwoLedgers } from "./two-nodes.js";

/** The service and how to let go of its providers (the store stays the caller's). */
export interface NodeVerifier {
  verifier: Verifier;
  /** Destroys the providers (call after `verifier.stop()`). */
  close(): void;
}

/** Opens the service (account 5's key) on `store` against the two nodes; `over` wins. */
export async function openNodeVerifier(
  l: TwoLedgers,
  store: Store,
  over: Partial<VerifierOptions> = {},
): Promise<NodeVerifier> {
  const providers: JsonRpcProvider[] = [];
  const provider = (url: string) => {
    const p = new JsonRpcProvider(url, undefined, {
      staticNetwork: true,
      pollingInterval: 20,
      cacheTimeout: -1,
    });
    providers.push(p);
    return p;
  };
  const close = () => {
    for (const p of providers) p.destroy();
  };
  try {
    const verifier = await Verifier.open({
      store,
      st: {
        sender: new Wallet(nodeKey(VERIFIER), provider(l.st.node.url)),
        contract: l.addr.delivery,
      },
      cash: {
        sender: new Wallet(nodeKey(VERIFIER), provider(l.cash.node.url)),
        contract: l.addr.payment,
      },
      attester: new Wallet(nodeKey(VERIFIER)),
      confirmations: 2,
      txPolicy: { pollIntervalMs: 20, stallCheckMs: 200, timeoutMs: 60_000 },
      backoff: { initialDelayMs: 20, multiplier: 2, maxDelayMs: 100, jitter: 0 },
      leaseMs: 5_000,
      ...over,
    });
    return { verifier, close };
  } catch (e) {
    close();
    throw e;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Replaces the newest `depth` blocks of a ledger with as many new, empty ones (`anvil_reorg`). */
export async function reorgLedger(side: Ledger, depth: number): Promise<void> {
  await side.node.rpc("anvil_reorg", [depth, []]);
  side.resetNonces();
}

/** Mines `n` blocks on one ledger. */
export async function mineBlocks(side: Ledger, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await side.node.mine();
}

/** How many transactions the service's account sent on each ledger (its nonces). */
export async function sentBy(l: TwoLedgers): Promise<{ st: number; cash: number }> {
  const address = new Wallet(nodeKey(VERIFIER)).address;
  return {
    st: await l.st.provider.getTransactionCount(address),
    cash: await l.cash.provider.getTransactionCount(address),
  };
}

/** The settlement's record state on each ledger (ST: 1 Locked, 2 Delivered; cash: 2 Paid). */
export async function statesOf(
  l: TwoLedgers,
  t: CrossLedgerTerms,
): Promise<{ st: number; cash: number }> {
  const c = await contractsOf(l, SELLER);
  return {
    st: Number(await c.delivery.stateOf(t.id)),
    cash: Number(await c.payment.stateOf(t.id)),
  };
}

/** The service's rounds while both ledgers make blocks, until `done()` holds (at most 200). */
export async function roundsUntil(
  l: TwoLedgers,
  verifier: Verifier,
  done: () => Promise<boolean>,
): Promise<void> {
  const miner = setInterval(() => void l.mine().catch(() => undefined), 30);
  try {
    for (let i = 0; i < 200; i++) {
      await verifier.tick();
      if (await done()) return;
      await sleep(20);
    }
    expect.fail("the service did not get there");
  } finally {
    clearInterval(miner);
  }
}

/**
 * The service on two in-process ledgers (scripts/two-ledger-deploy.ts) that decides and signs
 * (account `A.verifier`'s key, 1 confirmation) but cannot send on the ST ledger (its ST sender
 * holds no ether): it refuses or pays on the cash ledger and serves the ST attestation, which the
 * parties present themselves. It watches each ledger from `fromBlock` (default 0).
 */
export async function openVerifierWithoutStGas(
  L: InProcessLedgers,
  store: Store,
  fromBlock: { st?: number; cash?: number } = {},
): Promise<Verifier> {
  return Verifier.open({
    store,
    st: {
      sender: Wallet.createRandom().connect(L.st.ethers.provider as unknown as Provider),
      contract: L.delivery,
      fromBlock: fromBlock.st,
    },
    cash: {
      sender: new Wallet(devKey(A.verifier), L.cash.ethers.provider as unknown as Provider),
      contract: L.payment,
      fromBlock: fromBlock.cash,
    },
    attester: new Wallet(devKey(A.verifier)),
    confirmations: 1,
    txPolicy: { pollIntervalMs: 20, stallCheckMs: 200, timeoutMs: 60_000 },
    backoff: { initialDelayMs: 20, multiplier: 2, maxDelayMs: 100, jitter: 0 },
  });
}
