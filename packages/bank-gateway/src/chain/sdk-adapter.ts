/**
 * The chain port over today's `@kessai/sdk`: the bank's {@link BankClient} for sends (typed
 * errors, the nonce queue) and the generated DepositToken binding for the reads the SDK has no
 * action for (events with block hashes, totalSupply at a block, request records).
 *
 * Thin on purpose: when the SDK's transaction engine lands, `send` below becomes a send through
 * the engine with `{ key }` (its journal then resumes what a killed process had sent) and nothing
 * else here changes.
 */
import { Wallet, ZeroHash, type Provider, type Signer } from "ethers";
import {
  BankClient,
  ContractError,
  KessaiError,
  contracts,
  toKessaiError,
  withNonceQueue,
  type KessaiContext,
  type TxResult,
} from "@kessai/sdk";
import {
  ChainRevertError,
  ChainUnavailableError,
  type ChainReceipt,
  type DepositChain,
  type DepositChainEvent,
  type IssuanceRequestStatus,
  type SendOptions,
} from "./port.js";

const REQUEST_STATUS: IssuanceRequestStatus[] = [
  "none",
  "pending",
  "fulfilled",
  "rejected",
  "cancelled",
];

/** Options of {@link sdkDepositChain}. */
export interface SdkDepositChainOptions {
  /** The bank's signer (REGISTRAR, ISSUER, REDEEMER and FREEZER roles on DCJPY). */
  signer: Signer;
  /** DCJPY's address. */
  depositToken: string;
  /** Confirmations the SDK waits for per transaction (default 1: the gateway counts its own). */
  confirmations?: number;
}

/** Maps whatever the SDK or ethers threw to the port's two kinds of failure. */
export function toChainError(e: unknown, action: string): Error {
  const k = e instanceof KessaiError ? e : toKessaiError(e, { action });
  if (k instanceof ContractError && k.errorName !== "UnknownContractError") {
    return new ChainRevertError(k.errorName, k.args as Record<string, unknown>, k.shortMessage, {
      cause: k,
    });
  }
  return new ChainUnavailableError(`${action}: ${k.shortMessage}`, { cause: k });
}

/** A {@link DepositChain} over `@kessai/sdk`. */
export async function sdkDepositChain(o: SdkDepositChainOptions): Promise<DepositChain> {
  const provider = o.signer.provider as Provider | null;
  if (!provider) throw new TypeError("the bank's signer has no provider");
  const signer = withNonceQueue(o.signer);
  const depositToken = contracts.DepositToken__factory.connect(o.depositToken, signer);
  const reader = contracts.DepositToken__factory.connect(o.depositToken, provider);
  // The gateway needs DCJPY only; the SDK's connect() also wants the security token and the DVP
  // (it reads the investor register), so the bank's context is built here with DCJPY alone.
  // BankClient's actions touch only depositToken, signer, provider and confirmations.
  const ctx = {
    provider,
    signer,
    account: await signer.getAddress(),
    addresses: { depositToken: o.depositToken },
    confirmations: o.confirmations ?? 1,
    depositToken,
  } as unknown as KessaiContext;
  const bank = new BankClient(ctx);
  const token = o.depositToken.toLowerCase();
  const network = await provider.getNetwork();
  const chainId = Number(network.chainId);

  const send = async (action: string, _o: SendOptions, fn: () => Promise<TxResult>) => {
    try {
      const r = await fn();
      return { txHash: r.hash, blockNumber: r.blockNumber } satisfies ChainReceipt;
    } catch (e) {
      throw toChainError(e, action);
    }
  };
  const read = async <T>(action: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw toChainError(e, action);
    }
  };
  const iface = reader.interface;
  const topics = [
    iface.getEvent("Issued").topicHash,
    iface.getEvent("Redeemed").topicHash,
    iface.getEvent("IssuanceRequested").topicHash,
  ];

  return {
    chainId: async () => chainId,
    tokenAddress: () => token,
    head: () =>
      read("head", async () => {
        const b = await provider.getBlock("latest");
        if (!b?.hash) throw new Error("no head block");
        return { number: b.number, hash: b.hash };
      }),
    blockHash: (n) =>
      read("blockHash", async () => (await provider.getBlock(n))?.hash ?? undefined),
    issue: (p, so) =>
      send("bank.issue", so, () =>
        bank.issueDeposit({ account: p.to, amount: p.amount, bankReference: p.bankReference }),
      ),
    fulfilIssuanceRequest: (p, so) =>
      send("bank.fulfilIssuanceRequest", so, () =>
        bank.fulfilIssuanceRequest({ requestId: p.requestId, bankReference: p.bankReference }),
      ),
    rejectIssuanceRequest: (p, so) =>
      send("bank.rejectIssuanceRequest", so, () =>
        bank.rejectIssuanceRequest({ requestId: p.requestId, reason: p.reason }),
      ),
    redeemFrom: (p, so) =>
      send("bank.redeemFrom", so, () =>
        bank.redeemDepositFrom({
          account: p.account,
          amount: p.amount,
          redemptionRef: p.redemptionRef,
        }),
      ),
    openAccount: (p, so) =>
      send("bank.openAccount", so, () =>
        bank.openDepositAccount({ account: p.account, depositAccountRef: p.depositAccountRef }),
      ),
    closeAccount: (p, so) =>
      send("bank.closeAccount", so, () => bank.closeDepositAccount({ account: p.account })),
    setFrozen: (p, so) =>
      send("bank.setFrozen", so, () =>
        bank.setAccountFrozen({ account: p.account, frozen: p.frozen }),
      ),
    events: (from, to) =>
      read("events", async () => {
        const logs = await provider.getLogs({
          address: o.depositToken,
          topics: [topics],
          fromBlock: from,
          toBlock: to,
        });
        const out: DepositChainEvent[] = [];
        for (const log of logs) {
          if (log.removed) continue;
          const parsed = iface.parseLog(log);
          if (!parsed) continue;
          const pos = {
            blockNumber: log.blockNumber,
            blockHash: log.blockHash.toLowerCase(),
            txHash: log.transactionHash.toLowerCase(),
            logIndex: log.index,
          };
          const a = parsed.args;
          if (parsed.name === "Issued") {
            out.push({
              kind: "issued",
              reference: String(a.bankReference).toLowerCase(),
              account: String(a.account).toLowerCase(),
              amount: a.amount as bigint,
              ...pos,
            });
          } else if (parsed.name === "Redeemed") {
            out.push({
              kind: "redeemed",
              reference: String(a.redemptionRef).toLowerCase(),
              account: String(a.account).toLowerCase(),
              amount: a.amount as bigint,
              operator: String(a.operator).toLowerCase(),
              ...pos,
            });
          } else if (parsed.name === "IssuanceRequested") {
            out.push({
              kind: "issuanceRequested",
              requestId: a.requestId as bigint,
              account: String(a.account).toLowerCase(),
              amount: a.amount as bigint,
              depositAccountRef: String(a.depositAccountRef).toLowerCase(),
              ...pos,
            });
          }
        }
        return out.sort((x, y) => x.blockNumber - y.blockNumber || x.logIndex - y.logIndex);
      }),
    totalSupply: (n) => read("totalSupply", () => reader.totalSupply({ blockTag: n })),
    issuanceOf: (ref) =>
      read("issuanceOf", async () => {
        const r = await bank.getReferenceRecord({ kind: "issuance", reference: ref });
        return r ? { account: r.account.toLowerCase(), amount: r.amount } : undefined;
      }),
    redemptionOf: (ref) =>
      read("redemptionOf", async () => {
        const r = await bank.getReferenceRecord({ kind: "redemption", reference: ref });
        return r ? { account: r.account.toLowerCase(), amount: r.amount } : undefined;
      }),
    issuanceRequest: (id) =>
      read("issuanceRequest", async () => {
        const r = await reader.issuanceRequest(id);
        return {
          account: r.account.toLowerCase(),
          status: REQUEST_STATUS[Number(r.status)] ?? "none",
          amount: r.amount,
          depositAccountRef: r.depositAccountRef.toLowerCase(),
          bankReference: r.bankReference.toLowerCase(),
        };
      }),
    account: (account, blockNumber) =>
      read("account", async () => {
        const tag = { blockTag: blockNumber ?? "latest" };
        const [open, ref, frozen] = await Promise.all([
          reader.isAccountOpen(account, tag),
          reader.depositAccountOf(account, tag),
          reader.isAccountFrozen(account, tag),
        ]);
        return {
          open,
          depositAccountRef: open && ref !== ZeroHash ? ref.toLowerCase() : undefined,
          frozen,
        };
      }),
    availableBalanceOf: (account) =>
      read("availableBalanceOf", () => reader.availableBalanceOf(account)),
  };
}

/** A bank signer from a private key on a JSON-RPC provider. */
export function walletSigner(privateKey: string, provider: Provider): Signer {
  return new Wallet(privateKey, provider);
}
