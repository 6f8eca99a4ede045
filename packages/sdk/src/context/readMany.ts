import type { BaseContract, FunctionFragment, Result } from "ethers";
import type { KessaiContext } from "./connect.js";
import { decodeResult, encodeCall } from "./abiWords.js";
import { fragmentOf, latestBlockTime, readView } from "./send.js";

/**
 * Creation code of a contract that is never deployed (solc 0.8.30, optimizer on with 1 run,
 * EVM paris, no metadata), run by `eth_call` without a `to`: its constructor calls
 * `targets[i]` with `calls[i]` (a `staticcall` each) and returns
 * `abi.encode(ok, results, block.timestamp)` in place of runtime code, so one request answers
 * reads of several contracts at one block, and that block's time. Its source:
 *
 * ```solidity
 * contract ReadMany {
 *     constructor(address[] memory targets, bytes[] memory calls) {
 *         bool[] memory ok = new bool[](calls.length);
 *         bytes[] memory results = new bytes[](calls.length);
 *         for (uint256 i; i < calls.length; ++i) {
 *             (ok[i], results[i]) = targets[i].staticcall(calls[i]);
 *         }
 *         bytes memory out = abi.encode(ok, results, block.timestamp);
 *         assembly {
 *             return(add(out, 32), mload(out))
 *         }
 *     }
 * }
 * ```
 */
const READ_MANY_CODE =
  "0x608060405234801561001057600080fd5b5060405161051e38038061051e83398101604081905261002f9161034b565b600081516001600160401b0381111561004a5761004a6101d5565b604051908082528060200260200182016040528015610073578160200160208202803683370190505b509050600082516001600160401b03811115610091576100916101d5565b6040519080825280602002602001820160405280156100c457816020015b60608152602001906001900390816100af5790505b50905060005b83518110156101a4578481815181106100e5576100e5610422565b60200260200101516001600160a01b031684828151811061010857610108610422565b602002602001015160405161011d9190610438565b600060405180830381855afa9150503d8060008114610158576040519150601f19603f3d011682016040523d82523d6000602084013e61015d565b606091505b5084838151811061017057610170610422565b6020026020010184848151811061018957610189610422565b602090810291909101019190915290151590526001016100ca565b5060008282426040516020016101bc93929190610454565b6040516020818303038152906040529050805160208201f35b634e487b7160e01b600052604160045260246000fd5b604051601f8201601f191681016001600160401b0381118282101715610213576102136101d5565b604052919050565b60006001600160401b03821115610234576102346101d5565b5060051b60200190565b60005b83811015610259578181015183820152602001610241565b50506000910152565b600082601f83011261027357600080fd5b81516102866102818261021b565b6101eb565b8082825260208201915060208360051b8601019250858311156102a857600080fd5b602085015b838110156103415780516001600160401b038111156102cb57600080fd5b8601603f810188136102dc57600080fd5b60208101516001600160401b038111156102f8576102f86101d5565b61030b601f8201601f19166020016101eb565b8181526040838301018a101561032057600080fd5b61033182602083016040860161023e565b85525050602092830192016102ad565b5095945050505050565b6000806040838503121561035e57600080fd5b82516001600160401b0381111561037457600080fd5b8301601f8101851361038557600080fd5b80516103936102818261021b565b8082825260208201915060208360051b8501019250878311156103b557600080fd5b6020840193505b828410156103ec5783516001600160a01b03811681146103db57600080fd5b8252602093840193909101906103bc565b6020870151909550925050506001600160401b0381111561040c57600080fd5b61041885828601610262565b9150509250929050565b634e487b7160e01b600052603260045260246000fd5b6000825161044a81846020870161023e565b9190910192915050565b6060808252845190820181905260009060208601906080840190835b818110156104905783511515835260209384019390920191600101610470565b50508381036020850152809150855180825260208201925060208160051b8301016020880160005b8381101561050657601f19858403018652815180518085526104e181602087016020850161023e565b602097880197601f91909101601f1916949094018401939290920191506001016104b8565b50508094505050505082604083015294935050505056fe";

export { encodeCall };

/** A 32-byte ABI word holding `n`, as 64 hex digits. */
const word = (n: number) => n.toString(16).padStart(64, "0");

/**
 * `abi.encode(targets, calls)` for `(address[], bytes[])`, written out by hand: the constructor's
 * arguments are encoded for every request, and ethers' coder (types parsed, values checked and
 * copied) costs several times the node's work on a local network. `calls` are 0x-hex.
 */
export function encodeReadMany(targets: readonly string[], calls: readonly string[]): string {
  const n = targets.length;
  const out = [word(64), word(64 + 32 * (n + 1)), word(n)];
  for (const t of targets) out.push(t.slice(2).toLowerCase().padStart(64, "0"));
  out.push(word(n));
  const bodies: string[] = [];
  let offset = 32 * n;
  for (const c of calls) {
    const hex = c.slice(2);
    const padded = hex.padEnd(Math.ceil(hex.length / 64) * 64, "0");
    out.push(word(offset));
    bodies.push(word(hex.length / 2), padded);
    offset += 32 + padded.length / 2;
  }
  return out.concat(bodies).join("");
}

/**
 * The answer of `ReadMany`, `abi.encode(ok, results)` for `(bool[], bytes[])`, read by hand (as
 * {@link encodeReadMany}); throws when it is not that encoding of `n` answers.
 */
export function decodeReadMany(raw: string, n: number): [boolean[], string[]] {
  const hex = raw.slice(2);
  const at = (byte: number) => {
    const w = hex.slice(byte * 2, byte * 2 + 64);
    if (!/^0{48}[0-9a-f]{16}$/i.test(w)) throw new Error("read batch: bad word");
    return Number.parseInt(w.slice(48), 16);
  };
  const okAt = at(0);
  const resAt = at(32);
  if (at(okAt) !== n || at(resAt) !== n) throw new Error("read batch: wrong answer count");
  const ok: boolean[] = [];
  const results: string[] = [];
  for (let i = 0; i < n; i++) {
    ok.push(at(okAt + 32 + 32 * i) !== 0);
    const start = resAt + 32 + at(resAt + 32 + 32 * i);
    const len = at(start);
    const data = hex.slice((start + 32) * 2, (start + 32 + len) * 2);
    if (data.length !== len * 2) throw new Error("read batch: short answer");
    results.push("0x" + data);
  }
  return [ok, results];
}

/** The block time `ReadMany` returns after its answers (the third word of its answer). */
export function readManyTime(raw: string): bigint {
  const w = raw.slice(2 + 128, 2 + 192);
  if (!/^[0-9a-f]{64}$/i.test(w)) throw new Error("read batch: no block time");
  return BigInt("0x" + w);
}

type RawSend = (method: string, params: unknown[]) => Promise<unknown>;

/** One view read of {@link readViews}: as the arguments of {@link readView}. */
export interface ViewRead {
  action: string;
  contract: BaseContract;
  method: string;
  args: readonly unknown[];
}

/**
 * Reads several views, of one contract or several, at the latest block in one raw `eth_call`
 * (the never-deployed `ReadMany` above, past ethers' request cache as {@link readView}): the
 * answers in order, each decoded with its contract's ABI, all from one block. A read that
 * reverts, or whose answer does not decode, is read again alone with {@link readView}, which
 * throws its typed error; when the node
 * does not run the batch (an error, an answer that does not decode, a provider without `send`),
 * every view is read alone, which gives the same answers and the usual typed errors. A single
 * read is one {@link readView}. Views only: the calls have no `from`.
 */
export async function readViews(
  ctx: Pick<KessaiContext, "provider">,
  reads: readonly ViewRead[],
): Promise<Result[]> {
  if (reads.length < 2) return Promise.all(reads.map((r) => readAlone(ctx, r)));
  return ((await batched(ctx, reads)) ?? { answers: readEach(ctx, reads) }).answers;
}

/**
 * {@link readViews} and the time of the block the views were read at (`block.timestamp` in the
 * batch), in the same one request, even for a single read: a check that needs the clock and the
 * chain's state asks once. When the node does not run the batch, the time is
 * {@link latestBlockTime} and the views are read alone beside it.
 */
export async function readViewsAt(
  ctx: Pick<KessaiContext, "provider">,
  reads: readonly ViewRead[],
): Promise<{ time: bigint; answers: Result[] }> {
  const b = await batched(ctx, reads);
  if (b) return { time: b.time, answers: await b.answers };
  const [time, answers] = await Promise.all([latestBlockTime(ctx), readEach(ctx, reads)]);
  return { time, answers };
}

const readAlone = (ctx: Pick<KessaiContext, "provider">, r: ViewRead) =>
  readView(ctx, r.action, r.contract, r.method, r.args);
const readEach = (ctx: Pick<KessaiContext, "provider">, reads: readonly ViewRead[]) =>
  Promise.all(reads.map((r) => readAlone(ctx, r)));

/**
 * The batch of {@link readViews}: the block time and the answers (a read that reverted or does
 * not decode read alone), or undefined when the node did not run it.
 */
async function batched(
  ctx: Pick<KessaiContext, "provider">,
  reads: readonly ViewRead[],
): Promise<{ time: bigint; answers: Promise<Result[]> } | undefined> {
  const send = (ctx.provider as { send?: RawSend }).send;
  if (typeof send !== "function") return undefined;
  let fragments: FunctionFragment[];
  let answers: [boolean[], string[]];
  let time: bigint;
  try {
    // arguments that do not encode (or a target that does not resolve) are read alone too,
    // so that they throw readView's typed error, as a single read does
    const targets = await Promise.all(
      reads.map((r) =>
        typeof r.contract.target === "string" ? r.contract.target : r.contract.getAddress(),
      ),
    );
    fragments = reads.map((r) => fragmentOf(r.contract, r.method));
    const calls = reads.map((r, i) => encodeCall(r.contract, fragments[i], r.args));
    const data = READ_MANY_CODE + encodeReadMany(targets, calls);
    const raw = (await send.call(ctx.provider, "eth_call", [{ data }, "latest"])) as string;
    answers = decodeReadMany(raw, reads.length);
    time = readManyTime(raw);
  } catch {
    return undefined;
  }
  const [ok, results] = answers;
  return {
    time,
    answers: Promise.all(
      reads.map(async (r, i) => {
        if (ok[i]) {
          try {
            return decodeResult(r.contract, fragments[i], results[i]);
          } catch {
            // an answer that does not decode (no code at the address): read alone for its error
          }
        }
        return readAlone(ctx, r);
      }),
    ),
  };
}
