import { FunctionFragment, Interface, type Provider } from "ethers";
import {
  DeliveryVersusPayment__factory,
  DepositToken__factory,
  IDeliveryVersusPayment__factory,
  ISecurityTokenLockReceiver__factory,
  SecurityToken__factory,
} from "../generated/contracts.js";
import {
  DeploymentAddressError,
  TokenNotListedError,
  type DeploymentContract,
  type FoundAtAddress,
} from "../errors/configuration.js";
import { NetworkError } from "../errors/transport.js";
import { toKessaiError } from "../errors/decode.js";

/** Selectors of the functions an interface declares itself (not those of `parents`). */
function ownSelectors(abi: readonly unknown[], parents: readonly (readonly unknown[])[]): string[] {
  const inherited = new Set(
    parents.flatMap((p) =>
      new Interface(p as never).fragments
        .filter((f): f is FunctionFragment => f.type === "function")
        .map((f) => f.selector),
    ),
  );
  return new Interface(abi as never).fragments
    .filter((f): f is FunctionFragment => f.type === "function")
    .map((f) => f.selector)
    .filter((s) => !inherited.has(s));
}

/** ERC-165 interface ID: the XOR of the selectors a Solidity interface declares itself. */
function interfaceId(selectors: string[]): string {
  const x = selectors.reduce((acc, s) => acc ^ BigInt(s), 0n);
  return `0x${x.toString(16).padStart(8, "0")}`;
}

let dvpInterfaceId: string | undefined;
/** `type(IDeliveryVersusPayment).interfaceId`, computed from the generated ABIs. */
export function dvpInterface(): string {
  dvpInterfaceId ??= interfaceId(
    ownSelectors(IDeliveryVersusPayment__factory.abi, [ISecurityTokenLockReceiver__factory.abi]),
  );
  return dvpInterfaceId;
}

/**
 * One cheap read that only that kind of contract answers: truthy (for the security token, its
 * investor register) when it is one; false or a rejection otherwise.
 */
async function is(
  kind: DeploymentContract,
  address: string,
  provider: Provider,
): Promise<string | boolean> {
  if (kind === "securityToken") {
    return SecurityToken__factory.connect(address, provider).investorRegistry();
  }
  if (kind === "depositToken") {
    await DepositToken__factory.connect(address, provider).totalIssued();
    return true;
  }
  return DeliveryVersusPayment__factory.connect(address, provider).supportsInterface(
    dvpInterface(),
  );
}

const KINDS: DeploymentContract[] = ["securityToken", "depositToken", "dvp"];

/** Rethrows a transport failure as NetworkError; anything else means "not this contract". */
function networkOnly(err: unknown): void {
  const e = toKessaiError(err, { action: "connect" });
  if (e instanceof NetworkError) throw e;
}

/** What `address` holds: one of the three, no code, or another contract. */
async function probe(address: string, provider: Provider): Promise<FoundAtAddress> {
  let code: string;
  try {
    code = await provider.getCode(address);
  } catch (err) {
    networkOnly(err);
    throw err;
  }
  if (code === "0x") return "noContract";
  for (const kind of KINDS) {
    try {
      if (await is(kind, address, provider)) return kind;
    } catch (err) {
      networkOnly(err);
    }
  }
  return "otherContract";
}

/**
 * Checks that each address holds the contract it is given for, with one identifying read per
 * contract, and that the DVP lists the security token and DCJPY (`isSecurityTokenListed`,
 * `isCashTokenListed`): five reads, in parallel. On the first address that does not hold its
 * contract, finds what it holds (code, or which of the three) and throws
 * {@link DeploymentAddressError}; then, for a token the DVP does not list,
 * {@link TokenNotListedError}; a transport failure throws NetworkError. Resolves to the security
 * token's investor register (what its identifying read returns).
 */
export async function identifyDeployment(
  addresses: Record<DeploymentContract, string>,
  provider: Provider,
  chainId: bigint,
): Promise<string> {
  const dvp = DeliveryVersusPayment__factory.connect(addresses.dvp, provider);
  const [results, listed] = await Promise.all([
    Promise.allSettled(KINDS.map((k) => is(k, addresses[k], provider))),
    Promise.allSettled([
      dvp.isSecurityTokenListed(addresses.securityToken),
      dvp.isCashTokenListed(addresses.depositToken),
    ]),
  ]);
  for (const r of [...results, ...listed]) if (r.status === "rejected") networkOnly(r.reason);
  for (const [i, r] of results.entries()) {
    if (r.status === "fulfilled" && r.value) continue;
    const kind = KINDS[i];
    const found = await probe(addresses[kind], provider);
    throw new DeploymentAddressError(
      kind,
      addresses[kind],
      found === kind ? "otherContract" : found,
      chainId,
      { cause: r.status === "rejected" ? r.reason : undefined },
    );
  }
  // The three hold their contracts, so the DVP answers both reads.
  for (const [i, token] of (["securityToken", "depositToken"] as const).entries()) {
    const r = listed[i];
    if (r.status === "rejected") throw r.reason;
    if (!r.value) throw new TokenNotListedError(token, addresses[token], addresses.dvp, chainId);
  }
  return (results[0] as PromiseFulfilledResult<string>).value;
}
