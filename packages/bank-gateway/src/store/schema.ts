/**
 * The gateway's tables (migration namespace "gateway"), on SQLite and PostgreSQL alike. Every
 * ledger rule is a constraint or a trigger, so no code path (or hand-written SQL) can break it:
 *
 * - `gw_transfers` rows are immutable (UPDATE/DELETE refused) and balanced by construction (one
 *   debit account, one credit account, one positive amount; never the same account twice).
 * - a transfer key (the idempotent ID) is unique; a reference is unique per transfer kind, so a
 *   bank reference is held once and posted once, and a redemption reference credited once.
 * - a `post_pending` or `void_pending` names a `pending` transfer with the same accounts and
 *   amount (a composite foreign key), and each pending transfer is resolved at most once (UNIQUE).
 * - an insert applies itself to the two accounts' running totals in the same statement (a
 *   trigger), and `gw_accounts__no_overdraft` refuses a total that leaves credits posted below
 *   debits posted plus debits pending, unless the account allows overdraft.
 * - posted and pending transfers need both accounts open; a closed account holds nothing.
 */
import {
  columnTypes,
  hexCheck,
  immutableRows,
  jsonCheck,
  timestampCheck,
  type Dialect,
  type MigrationModule,
} from "@kessai/storage";

function v1(d: Dialect): string {
  const t = columnTypes[d];
  const pg = d === "postgres";
  const strict = pg ? "" : " STRICT";
  const bool = pg ? "BOOLEAN" : "INTEGER";
  const boolCheck = (table: string, c: string) =>
    pg ? "" : `,\n  CONSTRAINT ${table}__${c}_bool CHECK (${c} IN (0, 1))`;
  const ts = (table: string, c: string) =>
    `CONSTRAINT ${table}__${c} CHECK (${timestampCheck(d, c)})`;
  const id = pg ? "BIGINT GENERATED ALWAYS AS IDENTITY" : "INTEGER";
  const autoinc = pg ? "PRIMARY KEY" : "PRIMARY KEY AUTOINCREMENT";
  const hex32 = (table: string, c: string, nullable = false) =>
    `CONSTRAINT ${table}__${c}_hex CHECK (${nullable ? `${c} IS NULL OR ` : ""}(${hexCheck(d, c, 32)}))`;
  const amount = (table: string, c: string) =>
    `CONSTRAINT ${table}__${c} CHECK (${c} >= 0 AND ${c} <= 9223372036854775807)`;

  /** The columns an issuance and a redemption share as they go through their states. */
  const progress = `tx_hash TEXT,
  block_number ${t.bigint},
  error_code TEXT,
  error_message TEXT,
  created_at ${t.timestamp} NOT NULL,
  updated_at ${t.timestamp} NOT NULL,`;

  const tables = `
CREATE TABLE gw_firms (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  dcjpy_address TEXT NOT NULL,
  deposit_account_ref TEXT NOT NULL,
  status TEXT NOT NULL,
  frozen ${bool} NOT NULL,
  last_error TEXT,
  created_at ${t.timestamp} NOT NULL,
  updated_at ${t.timestamp} NOT NULL,
  CONSTRAINT gw_firms__dcjpy_address UNIQUE (dcjpy_address),
  CONSTRAINT gw_firms__deposit_account_ref UNIQUE (deposit_account_ref),
  CONSTRAINT gw_firms__id CHECK (length(id) BETWEEN 1 AND 64),
  CONSTRAINT gw_firms__name CHECK (length(name) BETWEEN 1 AND 200),
  CONSTRAINT gw_firms__address CHECK (${hexCheck(d, "dcjpy_address", 20)}),
  ${hex32("gw_firms", "deposit_account_ref")},
  CONSTRAINT gw_firms__status CHECK (status IN ('opening', 'open', 'closing', 'closed', 'failed'))${boolCheck("gw_firms", "frozen")},
  ${ts("gw_firms", "created_at")},
  ${ts("gw_firms", "updated_at")}
)${strict};

CREATE TABLE gw_accounts (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  firm_id TEXT,
  allow_overdraft ${bool} NOT NULL,
  status TEXT NOT NULL,
  debits_posted ${t.bigint} NOT NULL DEFAULT 0,
  credits_posted ${t.bigint} NOT NULL DEFAULT 0,
  debits_pending ${t.bigint} NOT NULL DEFAULT 0,
  credits_pending ${t.bigint} NOT NULL DEFAULT 0,
  created_at ${t.timestamp} NOT NULL,
  updated_at ${t.timestamp} NOT NULL,
  CONSTRAINT gw_accounts__firm FOREIGN KEY (firm_id) REFERENCES gw_firms (id),
  CONSTRAINT gw_accounts__one_per_firm UNIQUE (firm_id),
  CONSTRAINT gw_accounts__kind CHECK (kind IN ('deposit', 'dedicated', 'funding', 'suspense')),
  CONSTRAINT gw_accounts__deposit_firm CHECK ((kind = 'deposit') = (firm_id IS NOT NULL)),
  CONSTRAINT gw_accounts__status CHECK (status IN ('open', 'closed')),
  ${amount("gw_accounts", "debits_posted")},
  ${amount("gw_accounts", "credits_posted")},
  ${amount("gw_accounts", "debits_pending")},
  ${amount("gw_accounts", "credits_pending")},
  CONSTRAINT gw_accounts__no_overdraft CHECK (allow_overdraft OR credits_posted - debits_posted - debits_pending >= 0),
  CONSTRAINT gw_accounts__closed_empty CHECK (status = 'open' OR (debits_pending = 0 AND credits_pending = 0 AND credits_posted = debits_posted))${boolCheck("gw_accounts", "allow_overdraft")},
  ${ts("gw_accounts", "created_at")},
  ${ts("gw_accounts", "updated_at")}
)${strict};
CREATE UNIQUE INDEX gw_accounts__one_bank_account_per_kind ON gw_accounts (kind) WHERE kind <> 'deposit';

CREATE TABLE gw_transfers (
  id ${id} ${autoinc},
  transfer_key TEXT NOT NULL,
  kind TEXT NOT NULL,
  debit_account_id TEXT NOT NULL,
  credit_account_id TEXT NOT NULL,
  amount ${t.bigint} NOT NULL,
  pending_id ${t.bigint},
  pending_kind TEXT,
  reference TEXT,
  description TEXT,
  created_at ${t.timestamp} NOT NULL,
  CONSTRAINT gw_transfers__transfer_key UNIQUE (transfer_key),
  CONSTRAINT gw_transfers__reference UNIQUE (kind, reference),
  CONSTRAINT gw_transfers__resolved_once UNIQUE (pending_id),
  CONSTRAINT gw_transfers__identity UNIQUE (id, kind, debit_account_id, credit_account_id, amount),
  CONSTRAINT gw_transfers__debit FOREIGN KEY (debit_account_id) REFERENCES gw_accounts (id),
  CONSTRAINT gw_transfers__credit FOREIGN KEY (credit_account_id) REFERENCES gw_accounts (id),
  CONSTRAINT gw_transfers__resolves FOREIGN KEY (pending_id, pending_kind, debit_account_id, credit_account_id, amount)
    REFERENCES gw_transfers (id, kind, debit_account_id, credit_account_id, amount),
  CONSTRAINT gw_transfers__kind CHECK (kind IN ('posted', 'pending', 'post_pending', 'void_pending')),
  CONSTRAINT gw_transfers__balanced CHECK (debit_account_id <> credit_account_id),
  CONSTRAINT gw_transfers__amount CHECK (amount > 0 AND amount <= 9223372036854775807),
  CONSTRAINT gw_transfers__pending_ref CHECK ((kind IN ('post_pending', 'void_pending')) = (pending_id IS NOT NULL) AND (pending_id IS NULL) = (pending_kind IS NULL) AND (pending_kind IS NULL OR pending_kind = 'pending')),
  CONSTRAINT gw_transfers__key CHECK (length(transfer_key) BETWEEN 1 AND 300),
  ${ts("gw_transfers", "created_at")}
)${strict};
CREATE INDEX gw_transfers__debit_account ON gw_transfers (debit_account_id, id);
CREATE INDEX gw_transfers__credit_account ON gw_transfers (credit_account_id, id);
CREATE INDEX gw_transfers__by_reference ON gw_transfers (reference);
${immutableRows(d, "gw_transfers")}

CREATE TABLE gw_issuances (
  id TEXT PRIMARY KEY,
  firm_id TEXT,
  account_id TEXT,
  source TEXT NOT NULL,
  request_id TEXT,
  reference TEXT NOT NULL,
  to_address TEXT NOT NULL,
  amount ${t.bigint} NOT NULL,
  state TEXT NOT NULL,
  hold_transfer_id ${t.bigint},
  ${progress}
  CONSTRAINT gw_issuances__reference UNIQUE (reference),
  CONSTRAINT gw_issuances__request UNIQUE (request_id),
  CONSTRAINT gw_issuances__hold UNIQUE (hold_transfer_id),
  CONSTRAINT gw_issuances__firm FOREIGN KEY (firm_id) REFERENCES gw_firms (id),
  CONSTRAINT gw_issuances__account FOREIGN KEY (account_id) REFERENCES gw_accounts (id),
  CONSTRAINT gw_issuances__hold_transfer FOREIGN KEY (hold_transfer_id) REFERENCES gw_transfers (id),
  CONSTRAINT gw_issuances__source CHECK (source IN ('api', 'chain')),
  CONSTRAINT gw_issuances__request_source CHECK ((source = 'chain') = (request_id IS NOT NULL)),
  CONSTRAINT gw_issuances__state CHECK (state IN ('pending', 'sent', 'mined', 'issued', 'failed', 'rejecting', 'rejected')),
  CONSTRAINT gw_issuances__held CHECK ((state IN ('rejecting', 'rejected')) = (hold_transfer_id IS NULL)),
  CONSTRAINT gw_issuances__amount CHECK (amount > 0),
  ${hex32("gw_issuances", "reference")},
  CONSTRAINT gw_issuances__to CHECK (${hexCheck(d, "to_address", 20)}),
  ${hex32("gw_issuances", "tx_hash", true)},
  ${ts("gw_issuances", "created_at")},
  ${ts("gw_issuances", "updated_at")}
)${strict};
CREATE INDEX gw_issuances__by_firm ON gw_issuances (firm_id, created_at);
CREATE INDEX gw_issuances__open ON gw_issuances (state) WHERE state IN ('pending', 'sent', 'mined', 'rejecting');

CREATE TABLE gw_redemptions (
  id TEXT PRIMARY KEY,
  firm_id TEXT NOT NULL,
  reference TEXT NOT NULL,
  from_address TEXT NOT NULL,
  amount ${t.bigint} NOT NULL,
  state TEXT NOT NULL,
  credit_transfer_id ${t.bigint},
  ${progress}
  CONSTRAINT gw_redemptions__reference UNIQUE (reference),
  CONSTRAINT gw_redemptions__firm FOREIGN KEY (firm_id) REFERENCES gw_firms (id),
  CONSTRAINT gw_redemptions__credit FOREIGN KEY (credit_transfer_id) REFERENCES gw_transfers (id),
  CONSTRAINT gw_redemptions__state CHECK (state IN ('pending', 'sent', 'mined', 'credited', 'failed')),
  CONSTRAINT gw_redemptions__credited CHECK ((state = 'credited') = (credit_transfer_id IS NOT NULL)),
  CONSTRAINT gw_redemptions__amount CHECK (amount > 0),
  ${hex32("gw_redemptions", "reference")},
  CONSTRAINT gw_redemptions__from CHECK (${hexCheck(d, "from_address", 20)}),
  ${ts("gw_redemptions", "created_at")},
  ${ts("gw_redemptions", "updated_at")}
)${strict};

CREATE TABLE gw_idempotency (
  scope TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status_code INTEGER NOT NULL,
  response ${t.json} NOT NULL,
  created_at ${t.timestamp} NOT NULL,
  PRIMARY KEY (scope, idempotency_key),
  CONSTRAINT gw_idempotency__key CHECK (length(idempotency_key) BETWEEN 1 AND 255),
  CONSTRAINT gw_idempotency__status CHECK (status_code BETWEEN 200 AND 299),
  CONSTRAINT gw_idempotency__response CHECK (${jsonCheck(d, "response")}),
  ${ts("gw_idempotency", "created_at")}
)${strict};
${immutableRows(d, "gw_idempotency")}

CREATE TABLE gw_api_keys (
  id TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  firm_id TEXT,
  secret_sha256 TEXT NOT NULL,
  created_at ${t.timestamp} NOT NULL,
  revoked_at ${t.timestamp},
  CONSTRAINT gw_api_keys__firm FOREIGN KEY (firm_id) REFERENCES gw_firms (id),
  CONSTRAINT gw_api_keys__role CHECK (role IN ('firm', 'operator')),
  CONSTRAINT gw_api_keys__scope CHECK ((role = 'firm') = (firm_id IS NOT NULL)),
  CONSTRAINT gw_api_keys__secret CHECK (length(secret_sha256) = 64),
  ${ts("gw_api_keys", "created_at")},
  ${ts("gw_api_keys", "revoked_at")}
)${strict};

CREATE TABLE gw_sightings (
  chain_id ${t.bigint} NOT NULL,
  block_number ${t.bigint} NOT NULL,
  block_hash TEXT NOT NULL,
  tx_hash TEXT NOT NULL,
  log_index INTEGER NOT NULL,
  kind TEXT NOT NULL,
  reference TEXT NOT NULL,
  PRIMARY KEY (chain_id, block_hash, tx_hash, log_index),
  CONSTRAINT gw_sightings__kind CHECK (kind IN ('issued', 'redeemed')),
  ${hex32("gw_sightings", "block_hash")},
  ${hex32("gw_sightings", "tx_hash")}
)${strict};
`;

  /** The body both back ends' triggers run on an insert into gw_transfers: the running totals. */
  const applyTransfer = `  UPDATE gw_accounts SET
    debits_posted = debits_posted + CASE WHEN NEW.kind IN ('posted', 'post_pending') THEN NEW.amount ELSE 0 END,
    debits_pending = debits_pending + CASE NEW.kind WHEN 'pending' THEN NEW.amount WHEN 'posted' THEN 0 ELSE -NEW.amount END,
    updated_at = NEW.created_at
  WHERE id = NEW.debit_account_id;
  UPDATE gw_accounts SET
    credits_posted = credits_posted + CASE WHEN NEW.kind IN ('posted', 'post_pending') THEN NEW.amount ELSE 0 END,
    credits_pending = credits_pending + CASE NEW.kind WHEN 'pending' THEN NEW.amount WHEN 'posted' THEN 0 ELSE -NEW.amount END,
    updated_at = NEW.created_at
  WHERE id = NEW.credit_account_id;`;

  const triggers = pg
    ? `
CREATE FUNCTION gw_transfers_apply() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
${applyTransfer}
  RETURN NULL;
END
$fn$;
CREATE TRIGGER gw_transfers__apply AFTER INSERT ON gw_transfers
  FOR EACH ROW EXECUTE FUNCTION gw_transfers_apply();

CREATE FUNCTION gw_transfers_accounts_open() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF NEW.kind IN ('posted', 'pending') AND EXISTS (
    SELECT 1 FROM gw_accounts WHERE id IN (NEW.debit_account_id, NEW.credit_account_id) AND status <> 'open'
  ) THEN
    RAISE EXCEPTION 'account closed' USING ERRCODE = 'check_violation',
      CONSTRAINT = 'gw_transfers__account_open', TABLE = 'gw_transfers';
  END IF;
  RETURN NEW;
END
$fn$;
CREATE TRIGGER gw_transfers__account_open BEFORE INSERT ON gw_transfers
  FOR EACH ROW EXECUTE FUNCTION gw_transfers_accounts_open();
`
    : `
CREATE TRIGGER gw_transfers__apply AFTER INSERT ON gw_transfers
BEGIN
${applyTransfer}
END;
CREATE TRIGGER gw_transfers__account_open BEFORE INSERT ON gw_transfers
WHEN NEW.kind IN ('posted', 'pending') AND EXISTS (
  SELECT 1 FROM gw_accounts WHERE id IN (NEW.debit_account_id, NEW.credit_account_id) AND status <> 'open'
)
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: gw_transfers__account_open'); END;
`;
  return tables + triggers;
}

/** The gateway's migrations (namespace "gateway"). */
export const gatewayMigrations: MigrationModule = {
  namespace: "gateway",
  migrations: [{ version: 1, name: "deposit ledger, requests, idempotency, API keys", up: v1 }],
};
