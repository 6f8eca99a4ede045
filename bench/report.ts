/**
 * Presentation: targets, the stdout table and bench/REPORT.md.
 */
import {
  areaOf,
  type BudgetRecord,
  type Results,
  type Row,
  type RowSet,
  type Target,
} from "./rows.js";

/** ibet's DVP, security leg only, as measured with the versions that project pins: NOT measured by this script. */
export const IBET_DVP_GAS = 541_000;

const fmt = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 1 });
const fmtRatio = (r: number | undefined) => (r === undefined ? "" : `${r.toFixed(2)}×`);

/**
 * One traced transaction as a table: a line per contract (execution gas by kind of work), then the
 * intrinsic gas and the refund; the last line adds up to the receipt's `gasUsed`.
 */
function budgetTable(row: string, budget: BudgetRecord): string[] {
  const kinds = [...new Set(Object.values(budget.contracts).flatMap((k) => Object.keys(k)))];
  const out = [
    `## Where the gas of \`${row}\` goes (one traced transaction)`,
    "",
    "Replayed with `debug_traceTransaction` on a fresh settlement in the same situation as the row " +
      "(bench/budget.ts). A call opcode is charged to the caller without its callee's gas; " +
      "`cold accounts` is the 2,500 a first call to a contract costs over a warm one; `cold reads` are " +
      "SLOADs at 2,100, `warm reads` at 100.",
    "",
    `| contract | ${kinds.join(" | ")} | total |`,
    `| --- | ${kinds.map(() => "---:").join(" | ")} | ---: |`,
  ];
  const totals = kinds.map(() => 0);
  for (const [contract, byKind] of Object.entries(budget.contracts)) {
    const values = kinds.map((k) => byKind[k] ?? 0);
    values.forEach((v, i) => (totals[i] += v));
    const sum = values.reduce((a, b) => a + b, 0);
    out.push(`| ${contract} | ${values.map(fmt).join(" | ")} | ${fmt(sum)} |`);
  }
  const execution = totals.reduce((a, b) => a + b, 0);
  out.push(`| all contracts | ${totals.map(fmt).join(" | ")} | ${fmt(execution)} |`);
  const blank = kinds.map(() => "").join(" | ");
  out.push(`| intrinsic (21,000 + calldata) | ${blank} | ${fmt(budget.intrinsic)} |`);
  out.push(`| refund (cleared storage) | ${blank} | −${fmt(budget.refund)} |`);
  out.push(`| **gasUsed** | ${blank} | **${fmt(budget.gasUsed)}** |`);
  out.push("");
  return out;
}

/** The targets, evaluated on the rows that exist (a quick run lacks some sizes). */
export function evaluateTargets(rows: RowSet, batchSizes: readonly number[]): Target[] {
  const targets: Target[] = [];
  const ratioTarget = (name: string, description: string, row: string, ref: string, k: number) => {
    if (!rows.has(row) || !rows.has(ref)) return;
    const actual = rows.value(row);
    const limit = Math.round(rows.value(ref) * k);
    targets.push({ name, description, actual, limit, pass: actual <= limit });
  };
  ratioTarget(
    "st-transfer",
    "ST transfer ≤ 1.3 × OZ ERC-20 transfer",
    "gas.st.transfer",
    "gas.floor.erc20.transfer",
    1.3,
  );
  ratioTarget("settle", "settle ≤ 1.5 × floor swap", "gas.dvp.settle", "gas.floor.swap", 1.5);
  // The cheapest complete path: step 1, then the buyer's settle, which affirms the exact terms
  // in the same call (step 2 by an on-chain call). `gas.dvp.flow.full` (a separate affirm
  // transaction) stays in the table for reference.
  if (rows.has("gas.dvp.flow.cheapest")) {
    const actual = rows.value("gas.dvp.flow.cheapest");
    targets.push({
      name: "flow-cheapest",
      description: "step 1 + buyer's settle that affirms in the call ≤ 200,000 gas",
      actual,
      limit: 200_000,
      pass: actual <= 200_000,
    });
  }
  const sizes = batchSizes.filter((s) => s > 1);
  const largest = sizes[sizes.length - 1];
  if (largest !== undefined) {
    ratioTarget(
      "batch-per-item",
      `settleBatch per item (batch of ${largest}) ≤ 0.8 × single settle`,
      `gas.dvp.batch.per-item.${largest}`,
      "gas.dvp.settle",
      0.8,
    );
    ratioTarget(
      "batch-each-per-item",
      `settleBatchPerItem per item (batch of ${largest}) ≤ 0.8 × single settle`,
      `gas.dvp.batch-each.per-item.${largest}`,
      "gas.dvp.settle",
      0.8,
    );
  }
  // SDK settlements/s against raw ethers in the same run, per network (higher is better).
  for (const name of rows.names()) {
    const m = /^throughput\.sdk\.settle\.([^.]+)\.(\d+)$/.exec(name);
    const raw = name.replace("throughput.sdk.", "throughput.raw.");
    if (m === null || !rows.has(raw)) continue;
    const actual = rows.value(name);
    const limit = Math.round(rows.value(raw) * 0.95 * 10) / 10;
    targets.push({
      name: `sdk-throughput-${m[1]}`,
      description: `SDK settlements/s ≥ 0.95 × raw ethers (${m[1]}, ${m[2]} at once, medians)`,
      actual,
      limit,
      pass: actual >= limit,
    });
  }
  // The bank gateway's issuances/s end to end against raw ethers `issue` on the same node.
  for (const name of rows.names()) {
    const m = /^throughput\.gateway\.issue\.([^.]+)\.(\d+)$/.exec(name);
    const raw = `throughput.raw.issue.${m?.[2]}`;
    if (m === null || !rows.has(raw)) continue;
    const actual = rows.value(name);
    const limit = Math.round(rows.value(raw) * 0.8 * 10) / 10;
    targets.push({
      name: `gateway-issuance-${m[1]}`,
      description: `gateway issuances/s end to end ≥ 0.8 × raw ethers issue (${m[1]}, ${m[2]} at once)`,
      actual,
      limit,
      pass: actual >= limit,
    });
  }
  // Trades from a market (bench/trades.ts): settleTrades end to end against the same
  // transactions sent directly with ethers, and the buyer's gas per trade in bulk.
  for (const name of rows.names()) {
    const m = /^throughput\.trades\.sdk\.([^.]+)\.(\d+)$/.exec(name);
    const raw = name.replace("throughput.trades.sdk.", "throughput.trades.raw.");
    if (m === null || !rows.has(raw)) continue;
    const actual = rows.value(name);
    const limit = Math.round(rows.value(raw) * 0.9 * 10) / 10;
    targets.push({
      name: `trades-throughput-${m[1]}-${m[2]}`,
      description: `settleTrades trades/s end to end ≥ 0.9 × the same transactions with ethers (${m[1]}, ${m[2]} trades)`,
      actual,
      limit,
      pass: actual >= limit,
    });
  }
  for (const name of rows.names()) {
    const m = /^gas\.trades\.buyer\.per-trade\.(\d+)$/.exec(name);
    if (m === null || !rows.has("gas.dvp.settle")) continue;
    const actual = rows.value(name);
    const limit = Math.round(rows.value("gas.dvp.settle") * 0.6);
    targets.push({
      name: `trades-buyer-gas-${m[1]}`,
      description: `the buyer's gas per trade in bulk (batches of ${m[1]}) ≤ 0.6 × single settle`,
      actual,
      limit,
      pass: actual <= limit,
    });
  }
  // The two-ledger verifier service (bench/verifier.ts): settlements/s through the service
  // against its pay + deliver sent directly with ethers, and delivery within k + 2 blocks of the
  // decision on the ST ledger.
  for (const name of rows.names()) {
    const m = /^throughput\.two-ledger\.service\.(\d+)$/.exec(name);
    const raw = `throughput.two-ledger.raw.${m?.[1]}`;
    if (m === null || !rows.has(raw)) continue;
    const actual = rows.value(name);
    const limit = Math.round(rows.value(raw) * 0.8 * 10) / 10;
    targets.push({
      name: `two-ledger-service-throughput-${m[1]}`,
      description: `verifier service settlements/s ≥ 0.8 × its pay + deliver sent directly with ethers (${m[1]} at once, 1-s blocks)`,
      actual,
      limit,
      pass: actual >= limit,
    });
  }
  if (
    rows.has("latency.two-ledger.st.decision-to-delivery") &&
    rows.has("latency.two-ledger.aim.decision-to-delivery")
  ) {
    const actual = rows.value("latency.two-ledger.st.decision-to-delivery");
    const limit = rows.value("latency.two-ledger.aim.decision-to-delivery");
    targets.push({
      name: "two-ledger-delivery-latency",
      description: "delivery within k + 2 ST-ledger blocks of the decision (1-s blocks)",
      actual,
      limit,
      pass: actual <= limit,
    });
  }
  return targets;
}

export function targetLines(targets: Target[]): string[] {
  return targets.map(
    (t) =>
      `${t.pass ? "met    " : "NOT MET"}  ${t.description}: ${fmt(t.actual)} (limit ${fmt(t.limit)})`,
  );
}

function pad(cells: string[][], rightAligned: boolean[]): string[] {
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) =>
    r
      .map((c, i) => (rightAligned[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd(),
  );
}

/** A plain-text table of every row, for stdout. */
export function textTable(rows: Row[]): string {
  const cells = [["name", "value", "unit", "floor", "ratio"]];
  for (const r of rows) {
    cells.push([
      r.name,
      fmt(r.value),
      r.unit,
      r.floor === undefined ? "" : fmt(r.floor),
      fmtRatio(r.ratio),
    ]);
  }
  return pad(cells, [false, true, false, true, true]).join("\n");
}

/** bench/REPORT.md: rows grouped by area, ratios, targets and the reference line. */
export function markdownReport(results: Results, rowSet: RowSet, durationS: number): string {
  const env = results.environment;
  const out: string[] = [];
  out.push("# Kessai benchmark report");
  out.push("");
  out.push(
    `Generated by \`npm run bench${env.quick ? " -- --quick" : ""}\` at ${results.generatedAt} in ${Math.round(durationS)} s. ` +
      `Node ${env.node}, Hardhat ${env.hardhat} (EDR ${env.edr}), solc ${env.solc} ` +
      `(optimizer ${env.optimizerRuns} runs, EVM target ${env.evmVersion}), ` +
      `in-process network with hardfork ${env.hardfork} and a block gas limit of ${fmt(Number(env.blockGasLimit))}.`,
  );
  out.push("");
  out.push(
    "Gas is each receipt's `gasUsed` (after refunds, including the 21,000 base and calldata). " +
      "The floor of a row is measured in the same run; ratio = value / floor. " +
      "Times are wall-clock milliseconds from submission to receipt on this machine " +
      `(${env.cpu}, ${env.cores} cores, shared): compare them only within one report.`,
  );
  out.push("");

  if (results.targets && results.targets.length > 0) {
    out.push("## Targets");
    out.push("");
    out.push("| target | measured | limit | result |");
    out.push("| --- | ---: | ---: | --- |");
    for (const t of results.targets) {
      out.push(
        `| ${t.description} | ${fmt(t.actual)} | ${fmt(t.limit)} | ${t.pass ? "met" : "not met"} |`,
      );
    }
    out.push("");
  }

  const areas = new Map<string, Row[]>();
  for (const r of results.rows) {
    const area = areaOf(r.name);
    areas.set(area, [...(areas.get(area) ?? []), r]);
  }
  for (const [area, rows] of areas) {
    out.push(`## ${area}`);
    out.push("");
    out.push("| row | what | value | unit | floor | ratio |");
    out.push("| --- | --- | ---: | --- | ---: | ---: |");
    for (const r of rows) {
      out.push(
        `| \`${r.name}\` | ${rowSet.description(r.name)} | ${fmt(r.value)} | ${r.unit} | ` +
          `${r.floor === undefined ? "" : fmt(r.floor)} | ${fmtRatio(r.ratio)} |`,
      );
    }
    out.push("");
  }

  for (const [row, budget] of Object.entries(results.budgets ?? {})) {
    out.push(...budgetTable(row, budget));
  }

  out.push("## Measured elsewhere (not measured here)");
  out.push("");
  const full = rowSet.has("gas.dvp.flow.full") ? rowSet.value("gas.dvp.flow.full") : undefined;
  out.push(
    `- ibet \`IbetSecurityTokenDVP\`, security leg only (deposit + createDelivery + confirmDelivery + ` +
      `finishDelivery + buyer withdraw): ≈ ${fmt(IBET_DVP_GAS)} gas, solc 0.8.23 / OpenZeppelin 4.9.3, ` +
      `measured with the versions that project pins. **Not measured by this script**; a different compiler and EVM, ` +
      `so compare only as an order of magnitude` +
      (full === undefined
        ? "."
        : ` (Kessai's step 1 + affirm + settle here: ${fmt(full)} gas, both legs).`),
  );
  out.push("");
  out.push("## Notes");
  out.push("");
  out.push(
    "- Single-settlement rows use an EOA seller with one settlement open at a time, so step 1 " +
      "creates the seller's lock bucket and settle empties it (a refund). " +
      "`*.another-open` rows show the steady state where the seller has another settlement open.",
  );
  out.push(
    "- Batch and scaling rows use settlements opened by `BenchSeller` (contracts/test/bench/), one " +
      "seller and one buyer for every item, settled by the buyer while Pending (affirming in the " +
      "same call). Items sharing the parties and tokens is the best case for a batch (warm slots).",
  );
  out.push(
    "- Scaling rows settle from the middle of the open set; the seller's lock bucket never empties " +
      "there, so they cost more than `gas.dvp.settle` (no refund) and compare among themselves.",
  );
  out.push(
    "- `throughput.raw.settle.*` / `throughput.sdk.settle.*` come from `bench/sdk-throughput.mjs`, " +
      "run by `bench/cli.mjs` before the main run in its own process: lock + settle with every " +
      "trade submitted at once, raw ethers and the SDK in interleaved rounds, ABBA… (the median " +
      "round of each; bench/README.md), " +
      "in-process and against a separate `hardhat node` over HTTP (a quick run: in-process only). " +
      "The SDK row's floor is the raw row; for settlements/s a higher ratio is better.",
  );
  out.push(
    "- The bank gateway's rows come from `bench/gateway.mjs`, run by `bench/cli.mjs` before the " +
      "main run in its own process, against a separate `hardhat node` (issuance) and on SQLite " +
      "and PostgreSQL (a quick run: SQLite only, 20 issuances, 200 postings, reconciliation of " +
      "1,000). Issuance rows: all requests posted at once to the API, done when every hold is " +
      "posted (confirmations 0); floor: the same `issue` transactions with raw ethers on the same " +
      "node, best of alternating rounds. Ledger rows: floor = one bare INSERT per transaction on " +
      "the same store. Reconciliation rows: floor = one aggregate scan of the same tables.",
    "- Two-ledger rows run on two more in-process networks, `stLedger` (31338) and `cashLedger` " +
      "(31339), with the same hardfork and gas limit; the EOA seller and buyer already hold both " +
      "tokens and the escrow is empty before the first instruction (as the seller's lock bucket " +
      "before step 1). `flow.total` is the four transactions of one settlement (step 1, instruct, " +
      "pay, deliver) against the single-chain step 1 + settle; `flow.pay-and-deliver`, the two " +
      "that replace `settle`, against the swap floor.",
  );
  out.push(
    "- The bench network uses hardfork prague: osaka's per-transaction gas cap (EIP-7825, " +
      "16,777,216) would not fit a batch of 1,000. `count.dvp.batch.max-under-eip7825` is derived, " +
      "not measured.",
  );
  out.push("");
  return out.join("\n");
}
