/**
 * The gateway's lock order (store/ledger.ts: every account a transaction will write, in ID order,
 * before it writes any) for a group commit of operator funding requests beside the watcher on
 * PostgreSQL. Each funding unit writes `bank_funding` and one firm's deposit account; a group
 * commit of firms B then A that locks per unit holds `dep_b` while it asks for `dep_a`. The
 * watcher's range of A's on-chain issuance request (a hold on `dep_a`) then B's redemption (a
 * credit of `dep_b`) that locks per event holds `dep_a` while it asks for `dep_b`. Either one
 * locking per unit or per event against the other makes a cycle that PostgreSQL's deadlock timeout
 * (a second) breaks and the storage layer retries. The interleavings are forced: one side is
 * paused between two of its units or events, the other runs until it waits for a lock, then the
 * first goes on.
 */
import { expect } from "chai";
import { encodeTime, sql, toNumber, type RetryEvent, type Store, type Tx } from "@kessai/storage";
import { writeBatcher } from "../../../packages/bank-gateway/src/app/batcher.js";
import { fundDeposit } from "../../../packages/bank-gateway/src/app/operator.js";
import { watchOnce } from "../../../packages/bank-gateway/src/app/watcher.js";
import type { GatewayContext, Logger } from "../../../packages/bank-gateway/src/app/context.js";
import type { DepositChainEvent } from "../../../packages/bank-gateway/src/chain/port.js";
import * as ledger from "../../../packages/bank-gateway/src/store/ledger.js";
import { fundedFirmStore } from "./funded-firm.js";

const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const FIRMS = {
  a: { address: `0x${"a1".repeat(20)}`, depositRef: `0x${"a2".repeat(32)}` },
  b: { address: `0x${"b1".repeat(20)}`, depositRef: `0x${"b2".repeat(32)}` },
} as const;
type FirmId = keyof typeof FIRMS;

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

const bind = (target: object, prop: string | symbol) => {
  const v = Reflect.get(target, prop, target) as unknown;
  return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
};

/**
 * The store with every transaction's statements passed to `before` first (with the statement's
 * text and its number in the transaction), which may hold the statement back.
 */
function pausingStore(store: Store, before: (text: string, n: number) => Promise<void>): Store {
  const pausing = (tx: Tx): Tx => {
    let n = 0;
    return new Proxy(tx, {
      get(target, prop) {
        if (prop !== "get" && prop !== "all" && prop !== "run") return bind(target, prop);
        const f = Reflect.get(target, prop, target) as (q: unknown) => Promise<unknown>;
        return async (q: { strings: readonly string[] }) => {
          await before(q.strings.join("?"), ++n);
          return f.call(target, q);
        };
      },
    });
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === "transaction") {
        return <T>(fn: (tx: Tx) => Promise<T>, o?: object) =>
          target.transaction((tx) => fn(pausing(tx)), o);
      }
      return bind(target, prop);
    },
  });
}

/** Firms `a` and `b` beside `f`, each deposit account holding 100; the dedicated account 100. */
async function twoFirmStore(retries: RetryEvent[]): Promise<Store> {
  const store = await fundedFirmStore({ onRetry: (e) => retries.push(e) });
  const now = encodeTime(new Date());
  await store.transaction(async (tx) => {
    for (const [id, f] of Object.entries(FIRMS)) {
      await tx.run(sql`INSERT INTO gw_firms (id, name, dcjpy_address, deposit_account_ref, status, frozen, created_at, updated_at)
        VALUES (${id}, ${id.toUpperCase()}, ${f.address}, ${f.depositRef}, 'open', ${false}, ${now}, ${now})`);
      await ledger.createAccount(tx, {
        id: `dep_${id}`,
        kind: "deposit",
        firmId: id,
        allowOverdraft: false,
      });
    }
    for (const to of ["dep_a", "dep_b", "bank_dedicated"]) {
      await ledger.transfer(tx, {
        key: `setup:${to}`,
        kind: "posted",
        debitAccountId: "bank_funding",
        creditAccountId: to,
        amount: 100n,
      });
    }
  });
  return store;
}

const settings = {
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
};

/** The watcher over one block (3) with a hold for `holdOf`'s request, then `redeemedBy`'s burn. */
function watcherContext(store: Store, holdOf: FirmId, redeemedBy: FirmId): GatewayContext {
  const at = (logIndex: number) => ({
    blockNumber: 3,
    blockHash: hash(3),
    txHash: hash(1003 + logIndex),
    logIndex,
  });
  const events: DepositChainEvent[] = [
    {
      kind: "issuanceRequested",
      requestId: 1n,
      account: FIRMS[holdOf].address,
      amount: 10n,
      depositAccountRef: FIRMS[holdOf].depositRef,
      ...at(0),
    },
    {
      kind: "redeemed",
      reference: hash(77),
      account: FIRMS[redeemedBy].address,
      amount: 5n,
      operator: `0x${"0e".repeat(20)}`,
      ...at(1),
    },
  ];
  const chain = {
    tokenAddress: () => `0x${"11".repeat(20)}`,
    head: async () => ({ number: 5, hash: hash(5) }),
    blockHash: async (n: number) => hash(n),
    events: async (from: number, to: number) => (from <= 3 && 3 <= to ? events : []),
    issuanceOf: async () => undefined,
  };
  return { store, chain, chainId: 31337, log: quiet, settings } as unknown as GatewayContext;
}

/**
 * Funding requests through one group commit: `f` first (it runs alone while the others queue),
 * then `firms` in one batched transaction.
 */
function fundInOneBatch(store: Store, firms: FirmId[]) {
  const ctx = { store, writes: writeBatcher(store), settings } as unknown as GatewayContext;
  return ["f", ...firms].map((firmId) =>
    fundDeposit(ctx, {
      firmId,
      amount: "7",
      idempotencyKey: `fund-${firmId}`,
      hash: `h-${firmId}`,
    }).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
  );
}

async function untilOneWaitsForALock(store: Store, what: string) {
  for (let i = 0; ; i++) {
    const n = toNumber(
      (await store.get(sql`SELECT COUNT(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`))!.n,
    );
    if (n >= 1) return;
    if (i > 500) throw new Error(`${what} never waited for a lock`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function outcome(results: ({ value: unknown } | { error: unknown })[], retries: RetryEvent[]) {
  return {
    errors: results.flatMap((o) =>
      "error" in o ? [`${(o.error as Error).name}: ${(o.error as Error).message}`] : [],
    ),
    retries: retries.map((e) => e.error.message),
  };
}

async function balances(store: Store) {
  const rows = await store.all<{ id: string; n: unknown }>(sql`SELECT id,
      credits_posted - debits_posted - debits_pending AS n FROM gw_accounts ORDER BY id`);
  return Object.fromEntries(rows.map((r) => [r.id, toNumber(r.n)]));
}

const AFTER = { bank_dedicated: 95, dep_a: 107, dep_b: 107, dep_f: 107 };

describe("gateway lock order on postgres: an operator funding group commit beside the watcher", function () {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it("funding B then A in one batch and the watcher's hold of A then redemption of B do not deadlock", async function () {
    this.timeout(30_000);
    const retries: RetryEvent[] = [];
    store = await twoFirmStore(retries);
    const s = store;

    // The batch, paused before its second unit reads its stored response (its first unit, B's
    // funding, has written dep_b by then).
    const paused = latch();
    const resume = latch();
    let reads = 0;
    const batched = pausingStore(s, async (text) => {
      if (!text.includes("FROM gw_idempotency")) return;
      // the lone first unit's read, then the batch's two
      if (++reads === 3) {
        paused.set();
        await resume.done;
      }
    });
    const funding = fundInOneBatch(batched, ["b", "a"]);
    await paused.done;

    const watcher = watchOnce(watcherContext(s, "a", "b")).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    await untilOneWaitsForALock(s, "the watcher");
    resume.set();
    const results = await Promise.all([watcher, ...funding]);

    expect(outcome(results, retries)).to.deep.equal({ errors: [], retries: [] });
    // dep_a: +7 funded, 10 held; dep_b: +7 funded, +5 redeemed
    expect(await balances(s)).to.deep.include({ ...AFTER, dep_a: 97, dep_b: 112 });
  });

  it("the watcher's hold of B then redemption of A and funding A then B in one batch do not deadlock", async function () {
    this.timeout(30_000);
    const retries: RetryEvent[] = [];
    store = await twoFirmStore(retries);
    const s = store;

    // The watcher, paused once it holds dep_b for B's hold (the hold's transfer first reads its
    // key: `WHERE transfer_key =`) and before A's redemption.
    const paused = latch();
    const resume = latch();
    let done = false;
    const watched = pausingStore(s, async (text) => {
      if (done || !text.includes("WHERE transfer_key =")) return;
      done = true;
      paused.set();
      await resume.done;
    });
    const watcher = watchOnce(watcherContext(watched, "b", "a")).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    await paused.done;

    const funding = fundInOneBatch(s, ["a", "b"]);
    await untilOneWaitsForALock(s, "the batch");
    resume.set();
    const results = await Promise.all([watcher, ...funding]);

    expect(outcome(results, retries)).to.deep.equal({ errors: [], retries: [] });
    expect(await balances(s)).to.deep.include({ ...AFTER, dep_a: 112, dep_b: 97 });
  });
});
