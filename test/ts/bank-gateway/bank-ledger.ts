/**
 * A gateway database without the gateway: migrated, with the bank's own ledger accounts, and the
 * context `reconcile` reads (the reconciliation test and bench/gateway.ts start from these).
 */
import { pino } from "pino";
import { buildingBlocks, type Store } from "@kessai/storage";
import {
  DEDICATED_ACCOUNT,
  FUNDING_ACCOUNT,
  SUSPENSE_ACCOUNT,
  gatewayMigrations,
  ledger,
  type GatewayContext,
} from "../../../packages/bank-gateway/src/index.js";

/** Migrates `store` and creates the bank's accounts (dedicated, funding, suspense). */
export async function bankLedger(store: Store): Promise<void> {
  await store.migrate([...buildingBlocks, gatewayMigrations]);
  await store.transaction(async (tx) => {
    await ledger.createAccount(tx, {
      id: DEDICATED_ACCOUNT,
      kind: "dedicated",
      allowOverdraft: false,
    });
    await ledger.createAccount(tx, {
      id: FUNDING_ACCOUNT,
      kind: "funding",
      allowOverdraft: true,
    });
    await ledger.createAccount(tx, {
      id: SUSPENSE_ACCOUNT,
      kind: "suspense",
      allowOverdraft: true,
    });
  });
}

/** What `reconcile` reads: the store, and a chain `chainId` whose DCJPY supply is `supply`. */
export function reconcileContext(store: Store, chainId: number, supply: bigint): GatewayContext {
  return {
    store,
    chainId,
    log: pino({ level: "silent" }),
    chain: { totalSupply: async () => supply },
  } as unknown as GatewayContext;
}
