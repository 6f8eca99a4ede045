/**
 * The benchmark's rows: one measured figure each, under a stable name. A row may name its floor
 * (another row's name); {RowSet.finish} then fills in `floor` and `ratio`.
 */

/** One row of `bench/results.json`. */
export interface Row {
  /** Stable name, e.g. `gas.dvp.settle`; `<kind>.<area>.<what>[.<variant>]`. */
  name: string;
  /** `gas`, `ms`, `settlements/s`, `settlements` or `blocks`. */
  unit: string;
  value: number;
  /** The floor's value, when the row has one. */
  floor?: number;
  /** `value / floor`, three decimals. */
  ratio?: number;
}

/** A target, printed as met or NOT MET (it never fails the run). */
export interface Target {
  name: string;
  description: string;
  /** The measured value compared against `limit`. */
  actual: number;
  limit: number;
  pass: boolean;
}

/** The file `bench/results.json`. */
export interface Results {
  schema: 1;
  generatedAt: string;
  environment: Record<string, string | number | boolean>;
  rows: Row[];
  targets?: Target[];
  /** Gas of a transaction split by contract and kind of work (bench/budget.ts), by row name. */
  budgets?: Record<string, BudgetRecord>;
}

/** One traced transaction: the parts add up to `gasUsed` (= intrinsic + Σ contracts − refund). */
export interface BudgetRecord {
  gasUsed: number;
  intrinsic: number;
  refund: number;
  /** Execution gas per contract, per kind ("cold accounts", "cold reads", ...). */
  contracts: Record<string, Record<string, number>>;
}

interface Entry {
  row: Row;
  floorName?: string;
  description: string;
}

export class RowSet {
  private readonly entries = new Map<string, Entry>();

  /**
   * Records a row. `floorName` names the row whose value is this row's floor (it may be added
   * later); `description` is shown in the report only.
   */
  add(name: string, unit: string, value: number, description: string, floorName?: string): void {
    if (this.entries.has(name)) throw new Error(`duplicate row ${name}`);
    if (!Number.isFinite(value)) throw new Error(`row ${name}: value ${value}`);
    this.entries.set(name, { row: { name, unit, value }, floorName, description });
  }

  /** A gas row (rounded to whole gas). */
  gas(name: string, value: number, description: string, floorName?: string): void {
    this.add(name, "gas", Math.round(value), description, floorName);
  }

  /** A wall-clock row in milliseconds (one decimal). */
  ms(name: string, value: number, description: string): void {
    this.add(name, "ms", Math.round(value * 10) / 10, description);
  }

  value(name: string): number {
    const entry = this.entries.get(name);
    if (entry === undefined) throw new Error(`no row ${name}`);
    return entry.row.value;
  }

  /** Names of the rows recorded so far, in insertion order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  description(name: string): string {
    return this.entries.get(name)?.description ?? "";
  }

  /** The rows in insertion order, with `floor` and `ratio` resolved. */
  finish(): Row[] {
    return [...this.entries.values()].map(({ row, floorName }) => {
      if (floorName === undefined) return { ...row };
      const floor = this.value(floorName);
      return { ...row, floor, ratio: Math.round((row.value / floor) * 1000) / 1000 };
    });
  }
}

/** The report section a row belongs to, from its name. */
export function areaOf(name: string): string {
  const [kind, area, what] = name.split(".");
  if (
    area === "gateway" ||
    name.startsWith("throughput.raw.issue.") ||
    name.startsWith("throughput.storage.")
  ) {
    return "Bank gateway (issuance end to end, ledger, reconciliation)";
  }
  if (area === "two-ledger" && (kind === "latency" || kind === "throughput"))
    return "Two-ledger verifier service (anvil x 2, 1-s blocks): latency in blocks, settlements/s";
  if (kind === "throughput") return "Throughput";
  if (area === "tests") return "Test suite";
  if (area === "floor") return "Floors (plain OpenZeppelin ERC-20s, SwapFloor)";
  if (area === "st") return "Security token (StraightBondToken)";
  if (area === "dcjpy") return "DCJPY (DepositToken)";
  if (area === "registry") return "Investor registry";
  if (area === "dvp" && (what === "batch" || what === "batch-each")) {
    return "DVP batches (per item vs batch size)";
  }
  if (area === "dvp" && what === "scale") return "DVP scaling (open settlements in storage)";
  if (area === "dvp") return "DVP settlement paths";
  if (area === "two-ledger")
    return "Two-ledger DVP, gas per ledger (stLedger 31338, cashLedger 31339)";
  return "Other";
}
