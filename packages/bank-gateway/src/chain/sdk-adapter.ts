/**
 * The chain port over `@kessai/sdk`. Every transaction goes through the SDK's transaction engine
 * (the signer is wrapped with `withNonceQueue(signer, { journal, lock, policy })`) and every send
 * carries the port's key with `withSendOptions(ctx, { key, signal, deadline })`: with a durable
 * journal, a restarted gateway waits for (or replaces, or puts back) the transaction it had sent
 * under that key instead of sending another, and a dropped or priced-out transaction is replaced
 * by the engine on its nonce.
 *
 * Sends use the SDK's DCJPY actions. Reads the SDK has no action for (events of three kinds with
 * their block hashes, totalSupply at a block, an issuance request, an account's freeze at a block)
 * use the generated DepositToken binding; README.md ("What the gateway needs from the SDK") lists
 * the SDK calls that would replace them and the DCJPY-only connection below.
 */
import { ZeroAddress, ZeroHash, type Provider, type Signer } from "ethers";
import {
  closeDepositAccount,
  ContractError,
  contracts,
  fulfilIssuanceRequest,
  getReferenceRecord,
  issueDeposit,
  JournalConflictError,
  KessaiError,
  openDepositAccount,
  redeemDepositFrom,
  rejectIssuanceRequest,
  setAccountFrozen,
  toKessaiError,
  withNonceQueue,
  withSendOptions,
  type Journal,
  type KeyLock,
  type KessaiContext,
  type QueuedSigner,
  type TxEngine,
  type TxPolicy,
  type TxResult,
} from "@kessai/sdk";
import {
  ChainKeyConflictError,
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
  /**
   * Where the engine records what it sends (default: in memory, nothing survives a restart). The
   * gateway passes its database's `txJournal`.
   */
  journal?: Journal & { flush?(): Promise<void> };
  /** Coordination with other processes on the bank's key (see the SDK's KeyLock). */
  lock?: KeyLock;
  /**
   * The engine's policy. `confirmations` defaults to 1: a send is done at its first receipt and the
   * gateway's watcher counts the confirmations of the events itself; a reorg that takes the
   * transaction away sends the request again under the same key, where the engine puts the same
   * signed transaction back.
   */
  policy?: TxPolicy;
}

/** The port over the SDK, with its engine and a `close` that stops every send. */
export interface SdkDepositChain extends DepositChain {
  /** The bank account's transaction engine. */
  readonly engine: TxEngine;
  close(): Promise<void>;
}

/** Maps whatever the SDK or ethers threw to the port's kinds of failure. */
export function toChainError(e: unknown, action: string): Error {
  const k = e instanceof KessaiError ? e : toKessaiError(e, { action });
  if (k instanceof ContractError && k.errorName !== "UnknownContractError") {
    return new ChainRevertError(k.errorName, k.args as Record<string, unknown>, k.shortMessage, {
      cause: k,
    });
  }
  if (k instanceof JournalConflictError) {
    return new ChainKeyConflictError(`${action}: ${k.shortMessage}`, { cause: k });
  }
  return new ChainUnavailableError(`${action}: ${k.shortMessage}`, { cause: k });
}

/**
 * The bank's SDK context with DCJPY alone. The SDK's `connect()` needs the security token and the
 * DVP too (it identifies all three), so the context is built here: typed in full, the contracts
 * the gateway never uses bound read-only to the zero address (no DCJPY action touches them; a
 * call would fail, never send). To be replaced by `connect({ addresses: { depositToken } })`.
 */
function depositOnlyContext(
  provider: Provider,
  chainId: bigint,
  signer: QueuedSigner,
  account: string,
  depositToken: string,
  confirmations: number,
): KessaiContext {
  const c = contracts;
  return {
    provider,
    chainId,
    signer,
    account,
    addresses: {
      depositToken,
      securityToken: ZeroAddress,
      dvp: ZeroAddress,
      securityRegistry: ZeroAddress,
    },
    confirmations,
    depositToken: c.DepositToken__factory.connect(depositToken, signer),
    securityToken: c.SecurityToken__factory.connect(ZeroAddress, provider),
    bondToken: c.IStraightBondToken__factory.connect(ZeroAddress, provider),
    shareToken: c.IShareToken__factory.connect(ZeroAddress, provider),
    dvp: c.DeliveryVersusPayment__factory.connect(ZeroAddress, provider),
    securityRegistry: c.InvestorRegistry__factory.connect(ZeroAddress, provider),
    ownsProvider: false,
  };
}

/** A {@link DepositChain} over `@kessai/sdk` and its transaction engine. */
export async function sdkDepositChain(o: SdkDepositChainOptions): Promise<SdkDepositChain> {
  const provider = o.signer.provider as Provider | null;
  if (!provider) throw new TypeError("the bank's signer has no provider");
  const policy: TxPolicy = { ...o.policy, confirmations: o.policy?.confirmations ?? 1 };
  const signer = withNonceQueue(o.signer, { journal: o.journal, lock: o.lock, policy });
  const chainId = (await provider.getNetwork()).chainId;
  const ctx = depositOnlyContext(
    provider,
    chainId,
    signer,
    await signer.getAddress(),
    o.depositToken,
    policy.confirmations!,
  );
  const reader = contracts.DepositToken__factory.connect(o.depositToken, provider);
  const token = o.depositToken.toLowerCase();
  /** Stops every send at `close()`. */
  const closing = new AbortController();
  /** Keys of the sends this port has made (the engine says which are still in flight). */
  const keys = new Set<string>();

  const send = async (
    action: string,
    so: SendOptions,
    fn: (c: KessaiContext) => Promise<TxResult>,
  ): Promise<ChainReceipt> => {
    const signal = so.signal ? AbortSignal.any([so.signal, closing.signal]) : closing.signal;
    keys.add(so.key);
    try {
      const r = await fn(withSendOptions(ctx, { key: so.key, signal, deadline: so.deadline }));
      return { txHash: r.hash, blockNumber: r.blockNumber, resumed: r.resumed, reorged: r.reorged };
    } catch (e) {
      throw toChainError(e, action);
    } finally {
      if (!signer.engine.inFlight(so.key)) keys.delete(so.key);
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
    engine: signer.engine,
    async close() {
      closing.abort(new Error("the gateway is stopping"));
      // A send stopped while it was being broadcast writes its last journal state once the node
      // answers: wait for that (bounded) so the journal sees it before the store closes.
      const until = Date.now() + 5_000;
      while ([...keys].some((k) => signer.engine.inFlight(k)) && Date.now() < until)
        await new Promise((r) => setTimeout(r, 10));
      await o.journal?.flush?.();
    },
    chainId: async () => Number(chainId),
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
      send("bank.issue", so, (c) =>
        issueDeposit(c, { account: p.to, amount: p.amount, bankReference: p.bankReference }),
      ),
    fulfilIssuanceRequest: (p, so) =>
      send("bank.fulfilIssuanceRequest", so, (c) =>
        fulfilIssuanceRequest(c, { requestId: p.requestId, bankReference: p.bankReference }),
      ),
    rejectIssuanceRequest: (p, so) =>
      send("bank.rejectIssuanceRequest", so, (c) =>
        rejectIssuanceRequest(c, { requestId: p.requestId, reason: p.reason }),
      ),
    redeemFrom: (p, so) =>
      send("bank.redeemFrom", so, (c) =>
        redeemDepositFrom(c, {
          account: p.account,
          amount: p.amount,
          redemptionRef: p.redemptionRef,
        }),
      ),
    openAccount: (p, so) =>
      send("bank.openAccount", so, (c) =>
        openDepositAccount(c, { account: p.account, depositAccountRef: p.depositAccountRef }),
      ),
    closeAccount: (p, so) =>
      send("bank.closeAccount", so, (c) => closeDepositAccount(c, { account: p.account })),
    setFrozen: (p, so) =>
      send("bank.setFrozen", so, (c) =>
        setAccountFrozen(c, { account: p.account, frozen: p.frozen }),
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
        const r = await getReferenceRecord(ctx, { kind: "issuance", reference: ref });
        return r ? { account: r.account.toLowerCase(), amount: r.amount } : undefined;
      }),
    redemptionOf: (ref) =>
      read("redemptionOf", async () => {
        const r = await getReferenceRecord(ctx, { kind: "redemption", reference: ref });
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
