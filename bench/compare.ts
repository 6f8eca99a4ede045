/**
 * `--compare OLD.json [--threshold 5]`: row-by-row differences between an older results file and
 * the current one. Only gas rows can regress (more gas than the old value by more than
 * `threshold` percent); time and throughput rows are reported, never failed.
 */
import type { Results, Row } from "./rows.js";

export interface Comparison {
  lines: string[];
  regressions: string[];
}

const fmt = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 1 });

export function compareResults(older: Results, current: Results, threshold: number): Comparison {
  if (older.schema !== 1) throw new Error(`unsupported results schema ${String(older.schema)}`);
  const before = new Map<string, Row>(older.rows.map((r) => [r.name, r]));
  const after = new Map<string, Row>(current.rows.map((r) => [r.name, r]));
  const cells: string[][] = [["row", "old", "new", "change", "status"]];
  const regressions: string[] = [];

  for (const [name, now] of after) {
    const then = before.get(name);
    if (then === undefined) {
      cells.push([name, "", fmt(now.value), "", "new row"]);
      continue;
    }
    const change = then.value === 0 ? 0 : ((now.value - then.value) / then.value) * 100;
    const changeText = `${change >= 0 ? "+" : ""}${change.toFixed(2)}%`;
    let status: string;
    if (now.unit !== then.unit) {
      status = `unit changed (${then.unit} -> ${now.unit})`;
    } else if (now.unit !== "gas") {
      status = "report only";
    } else if (change > threshold) {
      status = `REGRESSED (> ${threshold}%)`;
      regressions.push(`${name}: ${fmt(then.value)} -> ${fmt(now.value)} gas (${changeText})`);
    } else if (change < -threshold) {
      status = "improved";
    } else {
      status = now.value === then.value ? "same" : "within threshold";
    }
    cells.push([name, fmt(then.value), fmt(now.value), changeText, status]);
  }
  for (const [name, then] of before) {
    if (!after.has(name)) cells.push([name, fmt(then.value), "", "", "not measured now"]);
  }

  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const right = [false, true, true, true, false];
  const lines = cells.map((r) =>
    r
      .map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd(),
  );
  return { lines, regressions };
}
