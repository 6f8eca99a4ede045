/**
 * The gateway's lock order (store/ledger.ts: the accounts in ID order, then the issuance) for the
 * watcher applying an on-chain IssuanceRequested event on PostgreSQL, beside an API issuance
 * request of the same firm. The watcher locks the firm's deposit account alone
 * (`lockAccounts([dep_f])`), then holds it while the hold's `transfer` locks the dedicated account
 * (`bank_dedicated` sorts before `dep_f`); the request's one statement locks `bank_dedicated`, then
 * `dep_f`. The interleaving is forced: the watcher is paused between its two statements (a round
 * trip under load), the request starts and waits for `dep_f`, then the watcher goes on. In ID order
 * the request would simply wait for the watcher; out of it, the two wait for each other until
 * PostgreSQL's deadlock timeout aborts one, and the request's autocommit statement is not retried.
 */
import { expect } from "chai";
import { sql, toNumber, type RetryEvent, type Store, type Tx } from "@kessai/storage";
import { holdIssuance } from "../../../packages/bank-gateway/src/store/issuance-path.js";
import { watchOnce } from "../../../packages/bank-gateway/src/app/watcher.js";
import type { GatewayContext, Logger } from "../../../packages/bank-gateway/src/app/context.js";
import type { DepositChainEvent } from "../../../packages/bank-gateway/src/chain/port.js";
import { FIRM_ADDRESS as TO, fundedFirmStore } from "./funded-firm.js";

const REF = `0x${"01".padStart(64, "0")}`;
const DEPOSIT_REF = `0x${"cd".repeat(32)}`;
const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

function latch() {
  let set!: () => void;
  const done = new Promise<void>((r) => (set = r));
  return { done, set };
}

const quiet: Logger = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  child: () => quiet,
};

describe("gateway lock order on postgres: the watcher's on-chain request beside an API request", function () {
  let store: Store;
  after(async () => store?.close());

  it("an IssuanceRequested event and an API request of one firm do not deadlock", async function () {
    this.timeout(30_000);
    const retries: RetryEvent[] = [];
    store = await fundedFirmStore({ onRetry: (e) => retries.push(e) });

    // The watcher's transaction, paused once it holds dep_f and before it asks for bank_dedicated
    // (the hold's transfer first reads its key: `WHERE transfer_key =`).
    const holdsDeposit = latch();
    const resume = latch();
    let paused = false;
    const pausing = (tx: Tx): Tx =>
      new Proxy(tx, {
        get(target, prop) {
          const v = Reflect.get(target, prop, target) as unknown;
          if (prop !== "get" || typeof v !== "function") {
            return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          }
          return async (q: { strings: readonly string[] }) => {
            if (!paused && q.strings.join("?").includes("WHERE transfer_key =")) {
              paused = true;
              holdsDeposit.set();
              await resume.done;
            }
            return target.get(q as never);
          };
        },
      });
    const watched: Store = new Proxy(store, {
      get(target, prop) {
        if (prop === "transaction") {
          return <T>(fn: (tx: Tx) => Promise<T>, o?: object) =>
            target.transaction((tx) => fn(pausing(tx)), o);
        }
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const event: DepositChainEvent = {
      kind: "issuanceRequested",
      requestId: 1n,
      account: TO,
      amount: 10n,
      depositAccountRef: DEPOSIT_REF,
      blockNumber: 3,
      blockHash: hash(3),
      txHash: hash(1003),
      logIndex: 0,
    };
    const chain = {
      tokenAddress: () => `0x${"11".repeat(20)}`,
      head: async () => ({ number: 5, hash: hash(5) }),
      blockHash: async (n: number) => hash(n),
      events: async (from: number, to: number) => (from <= 3 && 3 <= to ? [event] : []),
      issuanceOf: async () => undefined,
    };
    const ctx = {
      store: watched,
      chain,
      chainId: 31337,
      log: quiet,
      settings: {
        confirmations: 0,
        startBlock: 1,
        maxBlockRange: 100,
        maxAmount: 1_000_000n,
        worker: {
          id: "w",
          leaseMs: 10_000,
          batch: 1,
          maxAttempts: 3,
          backoff: { initialDelayMs: 10, multiplier: 2, maxDelayMs: 100, jitter: 0 },
        },
      },
    } as unknown as GatewayContext;

    const watcher = watchOnce(ctx).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    await holdsDeposit.done;
    const at = new Date();
    const request = holdIssuance(store, {
      issuanceId: "iss_api",
      firmId: "f",
      accountId: "dep_f",
      reference: REF,
      to: TO,
      amount: 30n,
      now: at,
      holdDescription: "DCJPY issuance hold",
      item: { topic: "dcjpy.issue", key: REF, payload: { issuanceId: "iss_api" }, now: at },
      response: { scope: "f", key: "k1", requestHash: "h1", status: 201, body: { id: "iss_api" } },
    }).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    // The request holds bank_dedicated and waits for dep_f.
    for (let i = 0; ; i++) {
      const n = toNumber(
        (await store.get(sql`SELECT COUNT(*) AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`))!.n,
      );
      if (n >= 1) break;
      if (i > 500) throw new Error("the request never waited for a lock");
      await new Promise((r) => setTimeout(r, 10));
    }
    resume.set();
    const [w, r] = await Promise.all([watcher, request]);

    const errors = [w, r].flatMap((o) =>
      "error" in o ? [`${(o.error as Error).name}: ${(o.error as Error).message}`] : [],
    );
    expect({ errors, retries: retries.map((e) => e.error.message) }).to.deep.equal({
      errors: [],
      retries: [],
    });
    expect((r as { value?: unknown }).value).to.have.property("holdTransferId");
  });
});
