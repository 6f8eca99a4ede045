/**
 * A PostgreSQL database with the gateway's schema and the least the issuance path needs: firm
 * `f` (DCJPY address {@link FIRM_ADDRESS}), its deposit account `dep_f` funded with 100 from
 * `bank_funding`, and the dedicated account `bank_dedicated`.
 */
import {
  buildingBlocks,
  encodeTime,
  openStore,
  sql,
  type Store,
  type StoreOptions,
} from "@kessai/storage";
import { gatewayMigrations } from "../../../packages/bank-gateway/src/store/schema.js";
import * as ledger from "../../../packages/bank-gateway/src/store/ledger.js";
import { sharedPostgres } from "../storage/backends.js";

export const FIRM_ADDRESS = `0x${"ab".repeat(20)}`;

export async function fundedFirmStore(options: StoreOptions = {}): Promise<Store> {
  const store = await openStore(await (await sharedPostgres()).createDatabase(), options);
  await store.migrate([...buildingBlocks, gatewayMigrations]);
  const now = encodeTime(new Date());
  await store.transaction(async (tx) => {
    await tx.run(sql`INSERT INTO gw_firms (id, name, dcjpy_address, deposit_account_ref, status, frozen, created_at, updated_at)
      VALUES ('f', 'F', ${FIRM_ADDRESS}, ${`0x${"cd".repeat(32)}`}, 'open', ${false}, ${now}, ${now})`);
    for (const [id, kind] of [
      ["dep_f", "deposit"],
      ["bank_dedicated", "dedicated"],
      ["bank_funding", "funding"],
    ] as const) {
      await ledger.createAccount(tx, {
        id,
        kind,
        ...(kind === "deposit" ? { firmId: "f" } : {}),
        allowOverdraft: kind === "funding",
      });
    }
    const fund = { key: "fund-1", kind: "posted", amount: 100n } as const;
    await ledger.transfer(tx, {
      ...fund,
      debitAccountId: "bank_funding",
      creditAccountId: "dep_f",
    });
  });
  return store;
}
