/**
 * `kessai verifier resync` refuses while the service is at work: an item of its queue claimed under
 * a lease that has not run out (a running service heartbeats the claims it works on). It names the
 * ledger, changes nothing (events, settlement, cursor) and, from the CLI, exits 2 with one line.
 * Once the leases ran out (the service stopped or died), it goes ahead. SQLite, a stub node.
 */
import { writeFile } from "node:fs/promises";
import { expect } from "chai";
import type { Provider } from "ethers";
import {
  buildingBlocks,
  cursors,
  inbox,
  openSqliteStore,
  outbox,
  sql,
  type Store,
} from "@kessai/storage";
import { tempSqliteDir, type TempSqliteDir } from "../../../packages/storage/src/testing/index.js";
import { main } from "../../../packages/cli/src/main.js";
import {
  VerifierResyncError,
  resyncLedger,
  verifierMigrations,
} from "../../../packages/verifier/src/index.js";
import { nodeKey } from "../sdk/hardhat-node.js";
import { VERIFIER } from "./two-nodes.js";

const CHAIN = 31337;
const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const X = `0x${"cd".repeat(32)}`;
const provider = {
  getNetwork: async () => ({ chainId: BigInt(CHAIN) }),
  getBlock: async (n: number) => ({ hash: hash(n), number: n }),
  getTransactionReceipt: async () => null,
} as unknown as Provider;

describe("resync refuses while the service is at work", function () {
  this.timeout(30_000);
  let tmp: TempSqliteDir;
  let store: Store;
  let file: string;

  // A store of its own for each test: the settlement, its cursor and its queued relay.
  beforeEach(async () => {
    tmp = await tempSqliteDir();
    file = tmp.file();
    store = await openSqliteStore({ filename: file });
    await store.migrate([...buildingBlocks, verifierMigrations]);
    await store.transaction(async (tx) => {
      await inbox.record(tx, {
        consumer: "verifier.st",
        event: { chainId: CHAIN, blockNumber: 8, blockHash: hash(8), txHash: hash(1), logIndex: 0 },
        payload: { name: "DeliveryRegistered", id: X, terms: { id: X } },
      });
      await tx.run(sql`INSERT INTO verifier_settlements (id, st_terms, st_state, updated_at)
        VALUES (${X}, ${JSON.stringify({ id: X })}, 'locked', '2026-12-01T00:00:00.000Z')`);
      await cursors.advance(tx, {
        consumer: "verifier.st",
        chainId: CHAIN,
        blockNumber: 10,
        blockHash: hash(10),
      });
      await outbox.enqueue(tx, { topic: "st.relay", key: X, payload: { outcome: 1 } });
    });
  });
  afterEach(async () => {
    await store?.close();
    await tmp?.remove();
  });

  const untouched = async () => {
    expect(await inbox.list(store, { consumer: "verifier.st", chainId: CHAIN })).to.have.length(1);
    const row = await store.get(sql`SELECT st_state FROM verifier_settlements WHERE id = ${X}`);
    expect(row?.st_state).to.equal("locked");
    const c = await cursors.get(store, { consumer: "verifier.st", chainId: CHAIN });
    expect(c?.blockNumber).to.equal(10);
  };

  it("a claim whose lease runs: VerifierResyncError naming the ledger; nothing changed", async () => {
    const [c] = await outbox.claim(store, { worker: "verifier-1", leaseMs: 60_000 });
    expect(c?.key).to.equal(X);
    const err = await resyncLedger({ store, provider, ledger: "st", fromBlock: 8 }).catch(
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(VerifierResyncError);
    expect((err as VerifierResyncError).ledger).to.equal("st");
    expect((err as Error).message).to.equal(
      `st ledger: the service is running: 1 queue item(s) claimed, the last lease until ${c!.leaseUntil.toISOString()}; stop it (or wait for the leases to run out) and resync again`,
    );
    await untouched();
  });

  it("from the CLI: exit 2, one line, nothing changed", async () => {
    const [c] = await outbox.claim(store, { worker: "verifier-1", leaseMs: 60_000 });
    expect(c?.key).to.equal(X);
    const config = tmp.file("verifier.json");
    await writeFile(
      config,
      JSON.stringify({
        database: { url: `sqlite:${file}` },
        // Never asked: the refusal comes before any read of the node.
        st: { rpcUrl: "http://127.0.0.1:9", contract: `0x${"11".repeat(20)}` },
        cash: { rpcUrl: "http://127.0.0.1:9", contract: `0x${"22".repeat(20)}` },
        privateKey: nodeKey(VERIFIER),
        confirmations: 3,
      }),
    );
    let out = "";
    let err = "";
    const code = await main(
      ["verifier", "resync", "--config", config, "--ledger", "st", "--from-block", "8"],
      { out: (s) => (out += s), err: (s) => (err += s) },
    );
    expect(code).to.equal(2);
    expect(out).to.equal("");
    expect(err).to.match(
      /^kessai: st ledger: the service is running: 1 queue item\(s\) claimed, the last lease until \S+; stop it \(or wait for the leases to run out\) and resync again\n$/,
    );
    await untouched();
    // --json names what to change: the running service, not a flag.
    out = "";
    const json = await main(
      ["verifier", "resync", "--config", config, "--ledger", "st", "--from-block", "8", "--json"],
      { out: (s) => (out += s), err: () => undefined },
    );
    expect(json).to.equal(2);
    const { error } = JSON.parse(out) as { error: Record<string, unknown> };
    expect(error).to.include({ name: "CliUsageError", field: "service", exitCode: 2 });
    expect(error.message).to.match(/^st ledger: the service is running: 1 queue item\(s\) claimed/);
    await untouched();
  });

  it("once the leases ran out (the service stopped): resync goes ahead", async () => {
    const [c] = await outbox.claim(store, { worker: "verifier-1", leaseMs: 60_000 });
    expect(c?.key).to.equal(X);
    await store.run(sql`UPDATE kessai_outbox SET due_at = '2026-01-01T00:00:00.000Z'
      WHERE status = 'claimed'`);
    const r = await resyncLedger({ store, provider, ledger: "st", fromBlock: 8 });
    expect(r.settlements).to.deep.equal([{ id: X, before: "locked", after: "none" }]);
  });
});
