/**
 * The ledger's rules hold in SQL, whatever the code does: statements written by hand (not through
 * store/ledger.ts) that would break a rule are refused by a constraint or a trigger, on both back
 * ends. And the code's own path keeps the running totals equal to the sums of the transfers.
 */
import { expect } from "chai";
import {
  buildingBlocks,
  encodeTime,
  openStore,
  sql,
  CheckViolationError,
  ImmutableRowError,
  UniqueViolationError,
  ConstraintViolationError,
  StorageError,
  type Store,
} from "@kessai/storage";
import { gatewayMigrations } from "../../../packages/bank-gateway/src/store/schema.js";
import * as ledger from "../../../packages/bank-gateway/src/store/ledger.js";
import {
  InsufficientFundsError,
  PendingResolvedError,
} from "../../../packages/bank-gateway/src/domain/errors.js";
import { describeBackends } from "../storage/backends.js";
import { databaseUrl } from "./helpers.js";

describeBackends("deposit ledger constraints", (backend) => {
  let store: Store;
  const now = encodeTime(new Date());
  before(async function () {
    this.timeout(60_000);
    // The gateway is built on @kessai/storage (its dist), so the test opens its store from there too.
    store = await openStore(await databaseUrl(backend()));
    await store.migrate([...buildingBlocks, gatewayMigrations]);
    await store.transaction(async (tx) => {
      await tx.run(sql`INSERT INTO gw_firms (id, name, dcjpy_address, deposit_account_ref, status, frozen, created_at, updated_at)
        VALUES ('f', 'F', ${`0x${"ab".repeat(20)}`}, ${`0x${"cd".repeat(32)}`}, 'open', ${false}, ${now}, ${now})`);
      await ledger.createAccount(tx, {
        id: "dep_f",
        kind: "deposit",
        firmId: "f",
        allowOverdraft: false,
      });
      await ledger.createAccount(tx, {
        id: "bank_dedicated",
        kind: "dedicated",
        allowOverdraft: false,
      });
      await ledger.createAccount(tx, { id: "bank_funding", kind: "funding", allowOverdraft: true });
      await ledger.transfer(tx, {
        key: "fund-1",
        kind: "posted",
        debitAccountId: "bank_funding",
        creditAccountId: "dep_f",
        amount: 100n,
      });
    });
  });
  after(async () => store?.close());

  const raw = (
    kind: string,
    debit: string,
    credit: string,
    amount: bigint | number,
    extra: { key?: string; pendingId?: number; reference?: string } = {},
  ) =>
    store.transaction((tx) =>
      tx.run(sql`INSERT INTO gw_transfers (transfer_key, kind, debit_account_id, credit_account_id, amount, pending_id, pending_kind, reference, created_at)
        VALUES (${extra.key ?? `raw-${Math.random()}`}, ${kind}, ${debit}, ${credit}, ${amount}, ${extra.pendingId ?? null},
          ${extra.pendingId === undefined ? null : "pending"}, ${extra.reference ?? null}, ${now})`),
    );
  const totals = async () => (await ledger.getAccount(store, "dep_f"))!.balances;
  const refused = async (
    p: () => Promise<unknown>,
    Cls: new (...a: never[]) => StorageError,
    name?: string,
  ) => {
    const before = await totals();
    let err: unknown;
    try {
      await p();
    } catch (e) {
      err = e;
    }
    expect(err, "refused").to.be.instanceOf(Cls);
    if (name) expect(String((err as Error).message)).to.include(name);
    expect(await totals()).to.deep.equal(before);
  };

  it("refuses an overdraft written by hand (CHECK gw_accounts__no_overdraft)", async () => {
    await refused(
      () => raw("posted", "dep_f", "bank_dedicated", 101n),
      CheckViolationError,
      "gw_accounts__no_overdraft",
    );
    await refused(
      () => raw("pending", "dep_f", "bank_dedicated", 101n),
      CheckViolationError,
      "gw_accounts__no_overdraft",
    );
  });

  it("refuses a transfer to the same account, a zero or negative amount", async () => {
    await refused(
      () => raw("posted", "bank_funding", "bank_funding", 1n),
      CheckViolationError,
      "gw_transfers__balanced",
    );
    await refused(
      () => raw("posted", "bank_funding", "dep_f", 0n),
      CheckViolationError,
      "gw_transfers__amount",
    );
    await refused(() => raw("posted", "bank_funding", "dep_f", -1n), CheckViolationError);
  });

  it("refuses to change or delete a transfer (immutable rows)", async () => {
    await refused(
      () => store.transaction((tx) => tx.run(sql`UPDATE gw_transfers SET amount = 1`)),
      ImmutableRowError,
    );
    await refused(
      () => store.transaction((tx) => tx.run(sql`DELETE FROM gw_transfers`)),
      ImmutableRowError,
    );
  });

  it("refuses a reused transfer key and a reference held twice", async () => {
    await refused(
      () => raw("posted", "bank_funding", "dep_f", 1n, { key: "fund-1" }),
      UniqueViolationError,
    );
    await raw("pending", "dep_f", "bank_dedicated", 1n, { reference: "issuance:0xr1" });
    await refused(
      () => raw("pending", "dep_f", "bank_dedicated", 1n, { reference: "issuance:0xr1" }),
      UniqueViolationError,
    );
  });

  it("resolves a pending transfer once, only with its own accounts and amount", async () => {
    const hold = await store.transaction((tx) =>
      ledger.transfer(tx, {
        key: "h",
        kind: "pending",
        debitAccountId: "dep_f",
        creditAccountId: "bank_dedicated",
        amount: 10n,
        reference: "issuance:0xh",
      }),
    );
    const id = hold.transfer.id;
    // The composite foreign key gw_transfers__resolves (SQLite may report a CHECK of the trigger's
    // update first: a constraint refuses it either way).
    await refused(
      () => raw("post_pending", "dep_f", "bank_dedicated", 9n, { pendingId: id }),
      ConstraintViolationError,
    );
    await refused(
      () => raw("post_pending", "bank_funding", "bank_dedicated", 10n, { pendingId: id }),
      ConstraintViolationError,
    );
    await raw("post_pending", "dep_f", "bank_dedicated", 10n, { pendingId: id, key: "h-post" });
    await refused(
      () => raw("void_pending", "dep_f", "bank_dedicated", 10n, { pendingId: id }),
      UniqueViolationError,
    );
    // Through the code: the same resolution again is a no-op, the other one an error.
    const again = await store.transaction((tx) =>
      ledger.resolvePending(tx, { pendingId: id, action: "post", key: "h-post" }),
    );
    expect(again.created).to.equal(false);
    let err: unknown;
    await store
      .transaction((tx) =>
        ledger.resolvePending(tx, { pendingId: id, action: "void", key: "h-void" }),
      )
      .catch((e) => (err = e));
    expect(err).to.be.instanceOf(PendingResolvedError);
  });

  it("refuses a debit beyond the available balance in code too, before any statement", async () => {
    const available = (await totals()).available;
    let err: unknown;
    await store
      .transaction((tx) =>
        ledger.transfer(tx, {
          key: "big",
          kind: "pending",
          debitAccountId: "dep_f",
          creditAccountId: "bank_dedicated",
          amount: available + 1n,
        }),
      )
      .catch((e) => (err = e));
    expect(err).to.be.instanceOf(InsufficientFundsError).with.property("available", available);
  });

  it("refuses to close an account that holds money, and a transfer to a closed account", async () => {
    await refused(
      () =>
        store.transaction((tx) =>
          tx.run(sql`UPDATE gw_accounts SET status = 'closed' WHERE id = 'dep_f'`),
        ),
      CheckViolationError,
      "gw_accounts__closed_empty",
    );
    await store.transaction(async (tx) => {
      await ledger.createAccount(tx, {
        id: "bank_suspense",
        kind: "suspense",
        allowOverdraft: true,
      });
      await tx.run(sql`UPDATE gw_accounts SET status = 'closed' WHERE id = 'bank_suspense'`);
    });
    let err: unknown;
    await raw("posted", "bank_funding", "bank_suspense", 1n).catch((e) => (err = e));
    expect(ledger.violates(err, "gw_transfers__account_open"), String(err)).to.equal(true);
  });

  it("keeps every running total equal to the sum of the transfers", async () => {
    expect(await ledger.checkTotals(store)).to.deep.equal([]);
    const b = await totals();
    expect(b.posted + b.debitsPending).to.equal(b.creditsPosted - b.debitsPosted + b.debitsPending);
  });
});
