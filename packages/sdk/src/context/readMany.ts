import type { BaseContract, FunctionFragment, Result } from "ethers";
import type { KessaiContext } from "./connect.js";
import { decodeResult, encodeCall } from "./abiWords.js";
import { fragmentOf, readView } from "./send.js";

/**
 * Creation code of a contract that is never deployed (solc 0.8.30, optimizer on with 1 run,
 * EVM paris, no metadata), run by `eth_call` without a `to`: its constructor calls
 * `targets[i]` with `calls[i]` (a `staticcall` each) and returns `abi.encode(ok, results)` in
 * place of runtime code, so one request answers reads of several contracts at one block. Its
 * source:
 *
 * ```solidity
 * contract ReadMany {
 *     constructor(address[] memory targets, bytes[] memory calls) {
 *         bool[] memory ok = new bool[](calls.length);
 *         bytes[] memory results = new bytes[](calls.length);
 *         for (uint256 i; i < calls.length; ++i) {
 *             (ok[i], results[i]) = targets[i].staticcall(calls[i]);
 *         }
 *         bytes memory out = abi.encode(ok, results);
 *         assembly {
 *             return(add(out, 32), mload(out))
 *         }
 *     }
 * }
 * ```
 */
const READ_MANY_CODE =
  "0x608060405234801561001057600080fd5b5060405161051338038061051383398101604081905261002f91610349565b600081516001600160401b0381111561004a5761004a6101d3565b604051908082528060200260200182016040528015610073578160200160208202803683370190505b509050600082516001600160401b03811115610091576100916101d3565b6040519080825280602002602001820160405280156100c457816020015b60608152602001906001900390816100af5790505b50905060005b83518110156101a4578481815181106100e5576100e5610420565b60200260200101516001600160a01b031684828151811061010857610108610420565b602002602001015160405161011d9190610436565b600060405180830381855afa9150503d8060008114610158576040519150601f19603f3d011682016040523d82523d6000602084013e61015d565b606091505b5084838151811061017057610170610420565b6020026020010184848151811061018957610189610420565b602090810291909101019190915290151590526001016100ca565b50600082826040516020016101ba929190610452565b6040516020818303038152906040529050805160208201f35b634e487b7160e01b600052604160045260246000fd5b604051601f8201601f191681016001600160401b0381118282101715610211576102116101d3565b604052919050565b60006001600160401b03821115610232576102326101d3565b5060051b60200190565b60005b8381101561025757818101518382015260200161023f565b50506000910152565b600082601f83011261027157600080fd5b815161028461027f82610219565b6101e9565b8082825260208201915060208360051b8601019250858311156102a657600080fd5b602085015b8381101561033f5780516001600160401b038111156102c957600080fd5b8601603f810188136102da57600080fd5b60208101516001600160401b038111156102f6576102f66101d3565b610309601f8201601f19166020016101e9565b8181526040838301018a101561031e57600080fd5b61032f82602083016040860161023c565b85525050602092830192016102ab565b5095945050505050565b6000806040838503121561035c57600080fd5b82516001600160401b0381111561037257600080fd5b8301601f8101851361038357600080fd5b805161039161027f82610219565b8082825260208201915060208360051b8501019250878311156103b357600080fd5b6020840193505b828410156103ea5783516001600160a01b03811681146103d957600080fd5b8252602093840193909101906103ba565b6020870151909550925050506001600160401b0381111561040a57600080fd5b61041685828601610260565b9150509250929050565b634e487b7160e01b600052603260045260246000fd5b6000825161044881846020870161023c565b9190910192915050565b6040808252835190820181905260009060208501906060840190835b8181101561048e578351151583526020938401939092019160010161046e565b50508381036020850152809150845180825260208201925060208160051b8301016020870160005b8381101561050457601f19858403018652815180518085526104df81602087016020850161023c565b602097880197601f91909101601f1916949094018401939290920191506001016104b6565b50909897505050505050505056fe";

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
  const alone = (r: ViewRead) => readView(ctx, r.action, r.contract, r.method, r.args);
  const send = (ctx.provider as { send?: RawSend }).send;
  if (reads.length < 2 || typeof send !== "function") return Promise.all(reads.map(alone));
  let fragments: FunctionFragment[];
  let answers: [boolean[], string[]];
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
  } catch {
    return Promise.all(reads.map(alone));
  }
  const [ok, results] = answers;
  return Promise.all(
    reads.map(async (r, i) => {
      if (ok[i]) {
        try {
          return decodeResult(r.contract, fragments[i], results[i]);
        } catch {
          // an answer that does not decode (no code at the address): read alone for its error
        }
      }
      return alone(r);
    }),
  );
}
