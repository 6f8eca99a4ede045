import { AbiCoder } from "ethers";
import type { KessaiContext } from "./connect.js";

/**
 * Creation code of a contract that is never deployed (solc 0.8.30, optimizer on with 1 run,
 * EVM paris, no metadata), run by `eth_call` without a `to`: its constructor calls `target`
 * with each of `calls` (a `staticcall` each) and returns `abi.encode(ok, results)` in place of
 * runtime code, so one request answers many reads at one block. Its source:
 *
 * ```solidity
 * contract ReadBatch {
 *     constructor(address target, bytes[] memory calls) {
 *         bool[] memory ok = new bool[](calls.length);
 *         bytes[] memory results = new bytes[](calls.length);
 *         for (uint256 i; i < calls.length; ++i) {
 *             (ok[i], results[i]) = target.staticcall(calls[i]);
 *         }
 *         bytes memory out = abi.encode(ok, results);
 *         assembly {
 *             return(add(out, 32), mload(out))
 *         }
 *     }
 * }
 * ```
 */
const READ_BATCH_CODE =
  "0x608060405234801561001057600080fd5b5060405161046038038061046083398101604081905261002f91610224565b600081516001600160401b0381111561004a5761004a6101ba565b604051908082528060200260200182016040528015610073578160200160208202803683370190505b509050600082516001600160401b03811115610091576100916101ba565b6040519080825280602002602001820160405280156100c457816020015b60608152602001906001900390816100af5790505b50905060005b835181101561018b57846001600160a01b03168482815181106100ef576100ef61036d565b60200260200101516040516101049190610383565b600060405180830381855afa9150503d806000811461013f576040519150601f19603f3d011682016040523d82523d6000602084013e610144565b606091505b508483815181106101575761015761036d565b602002602001018484815181106101705761017061036d565b602090810291909101019190915290151590526001016100ca565b50600082826040516020016101a192919061039f565b6040516020818303038152906040529050805160208201f35b634e487b7160e01b600052604160045260246000fd5b604051601f8201601f191681016001600160401b03811182821017156101f8576101f86101ba565b604052919050565b60005b8381101561021b578181015183820152602001610203565b50506000910152565b6000806040838503121561023757600080fd5b82516001600160a01b038116811461024e57600080fd5b60208401519092506001600160401b0381111561026a57600080fd5b8301601f8101851361027b57600080fd5b80516001600160401b03811115610294576102946101ba565b8060051b6102a4602082016101d0565b918252602081840181019290810190888411156102c057600080fd5b6020850192505b8383101561035e5782516001600160401b038111156102e557600080fd5b8501603f81018a136102f657600080fd5b60208101516001600160401b03811115610312576103126101ba565b610325601f8201601f19166020016101d0565b8181526040838301018c101561033a57600080fd5b61034b826020830160408601610200565b84525050602092830192909101906102c7565b80955050505050509250929050565b634e487b7160e01b600052603260045260246000fd5b60008251610395818460208701610200565b9190910192915050565b6040808252835190820181905260009060208501906060840190835b818110156103db57835115158352602093840193909201916001016103bb565b50508381036020850152809150845180825260208201925060208160051b8301016020870160005b8381101561045157601f198584030186528151805180855261042c816020870160208501610200565b602097880197601f91909101601f191694909401840193929092019150600101610403565b50909897505050505050505056fe";

const coder = AbiCoder.defaultAbiCoder();

/** One answer of {@link readBatch}: the call's return data, or its revert data when `ok` is false. */
export interface BatchAnswer {
  ok: boolean;
  data: string;
}

/**
 * Runs `calls` (encoded call data) against `target` in one `eth_call` at `blockTag` (default
 * latest) per chunk of calls. The answers of one request are returned as the creation's code,
 * which nodes hold to the 24,576-byte limit of EIP-170 even in `eth_call`: each answer takes its
 * length (`answerBytes`, the largest expected; default 160) and 96 bytes more, and a chunk is
 * sized to stay under the limit. Resolves with one answer per call, in order, or with
 * undefined when the node does not run the batch (the caller then reads one by one, which gives
 * the same answers and the usual typed errors).
 */
export async function readBatch(
  ctx: Pick<KessaiContext, "provider">,
  target: string,
  calls: string[],
  opts: { blockTag?: number | string; answerBytes?: number } = {},
): Promise<BatchAnswer[] | undefined> {
  const chunk = Math.max(1, Math.floor(24_000 / ((opts.answerBytes ?? 160) + 96)));
  const parts: Promise<BatchAnswer[]>[] = [];
  for (let i = 0; i < calls.length; i += chunk) {
    const slice = calls.slice(i, i + chunk);
    const data = READ_BATCH_CODE + coder.encode(["address", "bytes[]"], [target, slice]).slice(2);
    parts.push(
      ctx.provider.call({ data, blockTag: opts.blockTag ?? "latest" }).then((raw) => {
        const [ok, results] = coder.decode(["bool[]", "bytes[]"], raw) as unknown as [
          boolean[],
          string[],
        ];
        if (ok.length !== slice.length) throw new Error("read batch: wrong answer count");
        return slice.map((_, j) => ({ ok: ok[j], data: results[j] }));
      }),
    );
  }
  try {
    return (await Promise.all(parts)).flat();
  } catch {
    return undefined;
  }
}
