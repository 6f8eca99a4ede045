/**
 * Where a transaction's gas goes: replays it with `debug_traceTransaction` (struct logs) and
 * splits its `gasUsed` by contract and by kind of work. The parts add up to the receipt's
 * `gasUsed` exactly: intrinsic gas (21,000 + calldata), each contract's execution, minus the
 * refund.
 *
 * Attribution rules:
 * - a CALL-family opcode is charged to the caller without the gas its callee used; the callee's
 *   own opcodes are charged to the callee;
 * - the first access to an account costs 2,500 more than a warm one (EIP-2929): that part is
 *   "cold accounts", the rest of the call opcode is "execution";
 * - SLOAD at 2,100 is a cold read, at 100 a warm read; SSTORE is "storage writes" whatever its
 *   price; LOG0-LOG4 are "events"; every other opcode is "execution".
 */
import type { TransactionReceipt } from "ethers";

interface StructLog {
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  stack?: string[];
}

export type Kind =
  "cold accounts" | "cold reads" | "warm reads" | "writes" | "events" | "execution";

export const KINDS: readonly Kind[] = [
  "cold accounts",
  "cold reads",
  "warm reads",
  "writes",
  "events",
  "execution",
];

export interface Budget {
  gasUsed: number;
  /** 21,000 plus calldata (what the transaction paid before its first opcode). */
  intrinsic: number;
  /** Gas given back at the end (cleared storage), as a positive number. */
  refund: number;
  /** Execution gas per contract label and kind. */
  byContract: Map<string, Map<Kind, number>>;
}

const CALLS = new Set(["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"]);
const COLD_ACCOUNT_SURCHARGE = 2_500;

/** Provider able to send raw JSON-RPC (a Hardhat network connection's `provider`). */
export interface RpcProvider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

/**
 * Traces `receipt`'s transaction. `labels` maps lower-case addresses to contract names; other
 * addresses are shown shortened.
 */
export async function gasBudget(
  provider: RpcProvider,
  receipt: TransactionReceipt,
  gasLimit: bigint,
  labels: Map<string, string>,
): Promise<Budget> {
  const trace = (await provider.request({
    method: "debug_traceTransaction",
    params: [receipt.hash, { disableMemory: true, disableStorage: true, disableStack: false }],
  })) as { structLogs: StructLog[] };
  const logs = trace.structLogs;
  const label = (address: string) => labels.get(address) ?? `${address.slice(0, 10)}…`;
  const to = receipt.to!.toLowerCase();
  const warm = new Set<string>([receipt.from.toLowerCase(), to]);
  for (let i = 1; i <= 0x11; ++i) warm.add(`0x${i.toString(16).padStart(40, "0")}`);

  const byContract = new Map<string, Map<Kind, number>>();
  const charge = (contract: string, kind: Kind, gas: number) => {
    const kinds = byContract.get(contract) ?? new Map<Kind, number>(KINDS.map((k) => [k, 0]));
    kinds.set(kind, kinds.get(kind)! + gas);
    byContract.set(contract, kinds);
  };

  const frames: string[] = [label(to)];
  let executed = 0;
  for (let i = 0; i < logs.length; ++i) {
    const log = logs[i];
    frames.length = log.depth;
    const here = frames[log.depth - 1];
    if (CALLS.has(log.op)) {
      const stack = log.stack!;
      // The EVM uses the low 160 bits of the address word (callers may leave higher bits set).
      const target = `0x${BigInt(stack[stack.length - 2])
        .toString(16)
        .padStart(64, "0")
        .slice(-40)}`;
      // The next opcode at this depth runs after the callee returned.
      let after = i + 1;
      while (after < logs.length && logs[after].depth > log.depth) ++after;
      let calleeUsed = 0;
      if (i + 1 < after) {
        const last = logs[after - 1];
        calleeUsed = logs[i + 1].gas - (last.gas - last.gasCost);
      }
      const cost = (after < logs.length ? log.gas - logs[after].gas : log.gasCost) - calleeUsed;
      const cold = !warm.has(target);
      warm.add(target);
      if (cold) charge(here, "cold accounts", COLD_ACCOUNT_SURCHARGE);
      charge(here, "execution", cost - (cold ? COLD_ACCOUNT_SURCHARGE : 0));
      executed += cost;
      if (i + 1 < after) frames[log.depth] = log.op === "DELEGATECALL" ? here : label(target);
      continue;
    }
    let kind: Kind = "execution";
    if (log.op === "SLOAD") kind = log.gasCost >= 2_100 ? "cold reads" : "warm reads";
    else if (log.op === "SSTORE") kind = "writes";
    else if (log.op.startsWith("LOG")) kind = "events";
    charge(here, kind, log.gasCost);
    executed += log.gasCost;
  }
  const intrinsic = Number(gasLimit) - logs[0].gas;
  const gasUsed = Number(receipt.gasUsed);
  return { gasUsed, intrinsic, refund: intrinsic + executed - gasUsed, byContract };
}
