/**
 * The verifier's own table, beside the storage building blocks (outbox, inbox, cursors,
 * journal): one row per settlement ID, what each ledger showed of it (after the configured
 * confirmations) and the verifier's decision.
 */
import { columnTypes, jsonCheck, timestampCheck, type MigrationModule } from "@kessai/storage";
import type { Dialect } from "@kessai/storage";

function ddl(d: Dialect): string {
  const t = columnTypes[d];
  const strict = d === "sqlite" ? " STRICT" : "";
  return `
CREATE TABLE verifier_settlements (
  id TEXT PRIMARY KEY,
  st_terms ${t.json},
  st_state TEXT NOT NULL DEFAULT 'none',
  cash_terms ${t.json},
  cash_state TEXT NOT NULL DEFAULT 'none',
  cash_attestation TEXT,
  decision TEXT,
  reason TEXT,
  attestation TEXT,
  decided_at ${t.timestamp},
  updated_at ${t.timestamp} NOT NULL,
  CONSTRAINT verifier_settlements__st_state CHECK (st_state IN ('none', 'locked', 'delivered', 'returned', 'waived', 'failed')),
  CONSTRAINT verifier_settlements__cash_state CHECK (cash_state IN ('none', 'instructed', 'paid', 'refunded')),
  CONSTRAINT verifier_settlements__decision CHECK (decision IS NULL OR decision IN ('paid', 'refunded', 'refund')),
  CONSTRAINT verifier_settlements__decided CHECK ((decision IS NULL) = (decided_at IS NULL)),
  CONSTRAINT verifier_settlements__st_terms CHECK (st_terms IS NULL OR ${jsonCheck(d, "st_terms")}),
  CONSTRAINT verifier_settlements__cash_terms CHECK (cash_terms IS NULL OR ${jsonCheck(d, "cash_terms")}),
  CONSTRAINT verifier_settlements__updated_at CHECK (${timestampCheck(d, "updated_at")})
)${strict};
CREATE INDEX verifier_settlements__open ON verifier_settlements (cash_state, decision);
`;
}

/**
 * Version 2: the cash ledger takes the verifier's order (`PaymentOrder`), and the ST ledger's
 * attestation is signed by the service once the cash ledger's outcome is confirmed: `attestation`
 * (what the decision sent) becomes `cash_order`, `cash_attestation` (what the cash ledger's event
 * carried) becomes `st_attestation` (what the service signed for the ST ledger).
 */
function orders(): string {
  return `
ALTER TABLE verifier_settlements RENAME COLUMN attestation TO cash_order;
ALTER TABLE verifier_settlements RENAME COLUMN cash_attestation TO st_attestation;
`;
}

/**
 * Version 3: `not_ours`, set once (with the reason) for a settlement whose terms name a verifier
 * this service cannot sign for; such a settlement is never decided nor relayed by it.
 */
const NOT_OURS = `ALTER TABLE verifier_settlements ADD COLUMN not_ours TEXT;`;

/**
 * Version 4: `verifier_instances`, one row per running service, keyed by an id drawn at random
 * each time its loop starts (`worker`, its name, is shown only: two services may share one):
 * written when its loop starts, its `alive_until` renewed every third of its lease while it runs,
 * idle or busy, deleted (that row only) when it stops. A row whose `alive_until` passed is a
 * service that died (kill -9). `kessai verifier resync` refuses while a row is alive. Its times
 * are the database's clock ({@link databaseTime}), written and compared there.
 */
const instances = (d: Dialect): string => `
CREATE TABLE verifier_instances (
  instance TEXT PRIMARY KEY,
  worker TEXT NOT NULL,
  pid INTEGER NOT NULL,
  started_at ${columnTypes[d].timestamp} NOT NULL,
  alive_until ${columnTypes[d].timestamp} NOT NULL,
  CONSTRAINT verifier_instances__started_at CHECK (${timestampCheck(d, "started_at")}),
  CONSTRAINT verifier_instances__alive_until CHECK (${timestampCheck(d, "alive_until")})
)${d === "sqlite" ? " STRICT" : ""};
`;

/** Migrations of the verifier (namespace "verifier"). */
export const verifierMigrations: MigrationModule = {
  namespace: "verifier",
  migrations: [
    { version: 1, name: "settlements", up: ddl },
    { version: 2, name: "orders", up: orders },
    { version: 3, name: "not ours", up: NOT_OURS },
    { version: 4, name: "instances", up: instances },
  ],
};

/**
 * The database's clock: the liveness record is written and compared on it, so skew between the
 * service's host and resync's does not count.
 */
export { databaseTime, readDatabaseTime } from "@kessai/storage";
