import { isHexString, toQuantity, type TransactionReceipt } from "ethers";
import { KessaiError } from "../errors/base.js";
import {
  ContractError,
  UnknownContractError,
  type ContractErrorOptions,
} from "../errors/contract.js";
import { decodeRevertData, findRevertData, toKessaiError } from "../errors/decode.js";
import { OutOfGasError, TransactionFailedError } from "../errors/transaction.js";
import type { ChainReader, RpcTransaction } from "./rpc.js";

/** The call a mined transaction made (what is replayed when the node cannot trace it). */
export interface MinedCall {
  from: string;
  to: string | null;
  data: string;
  value: bigint;
  gasLimit: bigint;
}

interface CallTrace {
  output?: string;
  error?: string;
  revertReason?: string;
}

interface SimulatedCall {
  status?: string;
  returnData?: string;
  error?: { code?: number; message?: string; data?: string };
}

/**
 * The typed error of a transaction that was mined and reverted, decoded where it ran: at its own
 * position in its block, after the block's earlier transactions.
 *
 * 1. `debug_traceTransaction` with the `callTracer` (geth, anvil, Hardhat): the revert data of
 *    the top call, exactly (`decodedBy: "trace"`).
 * 2. Else `eth_simulateV1` from the parent block with the block's earlier transactions replayed
 *    first, in the block's environment (`decodedBy: "replay"`).
 * 3. Else an `eth_call` in the parent block's state, which does not see the block's earlier
 *    transactions: the error is flagged `approximate` (`decodedBy: "parent-block"`); when that
 *    call does not revert, or the node cannot serve that state, the result is a
 *    {@link TransactionFailedError} saying so (never a contract error made up from a node error).
 *
 * Out of gas is reported as {@link OutOfGasError} (a {@link TransactionFailedError}): the trace or
 * the replay says so, or, where neither is available, the transaction used its whole gas limit
 * and the call in the parent block's state shows no revert data.
 */
export async function decodeMinedRevert(
  reader: ChainReader,
  receipt: TransactionReceipt,
  call: MinedCall,
  info: ContractErrorOptions & { action: string },
): Promise<KessaiError> {
  const hash = receipt.hash;
  const opts: ContractErrorOptions = { ...info, txHash: hash };
  const outOfGas = () =>
    new OutOfGasError(
      `${info.action}: transaction ${hash} ran out of gas (limit ${call.gasLimit}, used ${receipt.gasUsed})`,
      hash,
      call.gasLimit,
      receipt.gasUsed,
    );
  // All of its gas used: out of gas, unless the trace or replay shows revert data.
  const allGasUsed = receipt.gasUsed >= call.gasLimit;
  // 1. Trace.
  try {
    const t = await reader.rpc<CallTrace | null>("debug_traceTransaction", [
      hash,
      { tracer: "callTracer", tracerConfig: { onlyTopCall: true } },
    ]);
    if (t && typeof t === "object" && (t.error !== undefined || t.output !== undefined)) {
      if (typeof t.error === "string" && /out of gas/i.test(t.error)) return outOfGas();
      const out = typeof t.output === "string" && isHexString(t.output) ? t.output : "0x";
      if (out.length >= 10) return decodeRevertData(out, { ...opts, decodedBy: "trace" });
      return new UnknownContractError("0x", { ...opts, decodedBy: "trace" });
    }
  } catch {
    /* not supported: replay */
  }
  // 2. Replay the block up to this transaction.
  try {
    const block = await reader.block(receipt.blockNumber);
    if (block && receipt.blockNumber > 0) {
      const earlier = block.transactions
        .slice(0, receipt.index)
        .filter((t): t is RpcTransaction => typeof t === "object");
      if (earlier.length === receipt.index) {
        const calls = [
          ...earlier.map((t) => ({
            from: t.from,
            to: t.to,
            input: t.input,
            value: t.value,
            gas: t.gas,
            nonce: t.nonce,
          })),
          {
            from: call.from,
            to: call.to,
            input: call.data,
            value: toQuantity(call.value),
            gas: toQuantity(call.gasLimit),
          },
        ];
        const res = await reader.rpc<{ calls?: SimulatedCall[] }[]>("eth_simulateV1", [
          {
            blockStateCalls: [
              {
                blockOverrides: {
                  number: block.number,
                  time: block.timestamp,
                  ...(block.gasLimit ? { gasLimit: block.gasLimit } : {}),
                  ...(block.miner ? { feeRecipient: block.miner } : {}),
                  ...(block.baseFeePerGas ? { baseFeePerGas: block.baseFeePerGas } : {}),
                },
                calls,
              },
            ],
            validation: false,
          },
          toQuantity(receipt.blockNumber - 1),
        ]);
        const last = res?.[0]?.calls?.[calls.length - 1];
        if (last && Number(last.status) === 0) {
          if (/out of gas/i.test(last.error?.message ?? "")) return outOfGas();
          const data = findRevertData(last.error) ?? last.returnData ?? "0x";
          if (isHexString(data) && data.length >= 10)
            return decodeRevertData(data, { ...opts, decodedBy: "replay" });
          return new UnknownContractError("0x", { ...opts, decodedBy: "replay" });
        }
      }
    }
  } catch {
    /* not supported: call in the parent block */
  }
  // 3. Call in the parent block's state (approximate).
  try {
    await reader.provider.call({
      from: call.from,
      to: call.to,
      data: call.data,
      value: call.value,
      gasLimit: call.gasLimit,
      blockTag: Math.max(receipt.blockNumber - 1, 0),
    });
  } catch (err) {
    const e = toKessaiError(err, { ...opts, decodedBy: "parent-block" });
    if (e instanceof ContractError) return e;
    if (allGasUsed) return outOfGas();
    return new TransactionFailedError(
      `${info.action}: transaction ${hash} reverted after mining; the node could not trace it nor replay it in the parent block`,
      hash,
      { cause: e },
    );
  }
  // It succeeds in the parent block's state with its own limit: what changed it also made it
  // need more gas than it had (a slot written from zero).
  if (allGasUsed) return outOfGas();
  return new TransactionFailedError(
    `${info.action}: transaction ${hash} reverted after mining; the node could not trace it, and the same call succeeds in the parent block's state (an earlier transaction of its block changed the state it reverted on)`,
    hash,
  );
}
