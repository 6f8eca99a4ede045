import {
  Signature,
  TypedDataEncoder,
  getAddress,
  verifyTypedData,
  type Signer,
  type TypedDataDomain,
} from "ethers";
import type { KessaiContext } from "../context/connect.js";
import { toKessaiError } from "../errors/decode.js";
import { MissingSignerError, InvalidParameterError } from "../errors/input.js";
import { readCall } from "../context/send.js";
import { TERMS_TYPE, type SettlementTerms } from "./terms.js";

/** EIP-712 types of the buyer's `Affirm(Terms terms)` message. */
export const AFFIRM_TYPES = {
  Affirm: [{ name: "terms", type: "Terms" }],
  Terms: [...TERMS_TYPE],
};
/**
 * EIP-712 types of the agent's `Approve(Terms terms,uint256 agentEpoch)` message. The agent's
 * epoch (the DVP's `agentEpochOf`) counts its revocations: a signature of an earlier epoch is void.
 */
export const APPROVE_TYPES = {
  Approve: [
    { name: "terms", type: "Terms" },
    { name: "agentEpoch", type: "uint256" },
  ],
  Terms: [...TERMS_TYPE],
};
/** EIP-2612 permit types (DCJPY's `permit`; settling uses a transfer authorization). */
export const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/**
 * EIP-712 types of DCJPY's `TransferWithAuthorization`: a transfer only `spender` may execute,
 * once (`nonce`), before `validBefore`.
 */
export const TRANSFER_AUTHORIZATION_TYPES = {
  TransferWithAuthorization: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "spender", type: "address" },
    { name: "validBefore", type: "uint256" },
    { name: "nonce", type: "bytes32" },
  ],
};

/** A ready-to-sign EIP-712 payload. */
export interface TypedData {
  domain: TypedDataDomain;
  types: Record<string, { name: string; type: string }[]>;
  primaryType: string;
  message: Record<string, unknown>;
}

const domainCache = new WeakMap<object, Map<string, Promise<TypedDataDomain>>>();

/** Reads an EIP-712 domain from a contract's ERC-5267 `eip712Domain()` (cached per provider). */
export async function readDomain(
  ctx: KessaiContext,
  which: "dvp" | "depositToken" = "dvp",
): Promise<TypedDataDomain> {
  let m = domainCache.get(ctx.provider);
  if (!m) domainCache.set(ctx.provider, (m = new Map()));
  const key = `${which}:${ctx.addresses[which]}`;
  let p = m.get(key);
  if (!p) {
    const c = which === "dvp" ? ctx.dvp : ctx.depositToken;
    p = readCall(`${which}.eip712Domain`, () => c.eip712Domain()).then((d) => ({
      name: d.name,
      version: d.version,
      chainId: d.chainId,
      verifyingContract: d.verifyingContract,
    }));
    p.catch(() => m!.delete(key));
    m.set(key, p);
  }
  return p;
}

/** Typed data of the buyer's affirmation of `terms`. */
export function affirmationTypedData(domain: TypedDataDomain, terms: SettlementTerms): TypedData {
  return { domain, types: AFFIRM_TYPES, primaryType: "Affirm", message: { terms } };
}

/** Typed data of the agent's approval of `terms` in its epoch `agentEpoch` (`agentEpochOf`). */
export function approvalTypedData(
  domain: TypedDataDomain,
  terms: SettlementTerms,
  agentEpoch: bigint,
): TypedData {
  return { domain, types: APPROVE_TYPES, primaryType: "Approve", message: { terms, agentEpoch } };
}

/** The agent's current epoch on the DVP (how many times it lost SETTLEMENT_AGENT_ROLE). */
async function agentEpochOf(ctx: KessaiContext, agent: string): Promise<bigint> {
  return readCall("dvp.agentEpochOf", () => ctx.dvp.agentEpochOf(agent));
}

/** The digest the DVP checks (equals the contract's `affirmDigest` / `approveDigest`). */
export function typedDataDigest(td: TypedData): string {
  return TypedDataEncoder.hash(td.domain, td.types, td.message);
}

/** Signs typed data; a wallet, transport or user refusal becomes a typed KessaiError. */
async function signTyped(
  signer: Signer,
  action: string,
  domain: TypedDataDomain,
  types: TypedData["types"],
  message: Record<string, unknown>,
): Promise<string> {
  try {
    return await signer.signTypedData(domain, types, message);
  } catch (err) {
    throw toKessaiError(err, { action });
  }
}

function signerOf(ctx: KessaiContext, action: string): Signer {
  if (!ctx.signer) throw new MissingSignerError(action);
  return ctx.signer;
}

/** The buyer signs its affirmation of `terms` (no transaction); submit with `affirmBySig`. */
export async function signAffirmation(ctx: KessaiContext, terms: SettlementTerms): Promise<string> {
  const signer = signerOf(ctx, "signAffirmation");
  const me = await signer.getAddress();
  if (getAddress(me) !== getAddress(terms.buyer)) {
    throw new InvalidParameterError("terms.buyer", terms.buyer, `is not the signer ${me}`);
  }
  const td = affirmationTypedData(await readDomain(ctx), terms);
  return signTyped(signer, "signAffirmation", td.domain, td.types, td.message);
}

/**
 * The agent signs its approval of `terms` in its current epoch (no transaction); submit with
 * `approveSettlementBySig`. Void once the agent's role is revoked.
 */
export async function signApproval(ctx: KessaiContext, terms: SettlementTerms): Promise<string> {
  const signer = signerOf(ctx, "signApproval");
  const me = await signer.getAddress();
  if (getAddress(me) !== getAddress(terms.agent)) {
    throw new InvalidParameterError("terms.agent", terms.agent, `is not the signer ${me}`);
  }
  const [domain, epoch] = await Promise.all([readDomain(ctx), agentEpochOf(ctx, terms.agent)]);
  const td = approvalTypedData(domain, terms, epoch);
  return signTyped(signer, "signApproval", td.domain, td.types, td.message);
}

function recovers(td: TypedData, signature: string, expected: string): boolean {
  try {
    return (
      getAddress(verifyTypedData(td.domain, td.types, td.message, signature)) ===
      getAddress(expected)
    );
  } catch {
    return false;
  }
}

/** Whether `signature` is the buyer's affirmation of exactly `terms` (ECDSA only). */
export async function verifyAffirmation(
  ctx: KessaiContext,
  terms: SettlementTerms,
  signature: string,
): Promise<boolean> {
  return recovers(affirmationTypedData(await readDomain(ctx), terms), signature, terms.buyer);
}

/** Whether `signature` is the agent's approval of exactly `terms` in its current epoch (ECDSA only). */
export async function verifyApproval(
  ctx: KessaiContext,
  terms: SettlementTerms,
  signature: string,
): Promise<boolean> {
  const [domain, epoch] = await Promise.all([readDomain(ctx), agentEpochOf(ctx, terms.agent)]);
  return recovers(approvalTypedData(domain, terms, epoch), signature, terms.agent);
}

/** An ERC-2612 permit split into the arguments of DCJPY's `permit`. */
export interface PermitSignature {
  value: bigint;
  deadline: bigint;
  v: number;
  r: string;
  s: string;
}

/** Signs an ERC-2612 permit for `spender` on the deposit token (no transaction). */
export async function signPermitTypedData(
  ctx: KessaiContext,
  spender: string,
  value: bigint,
  deadline: bigint,
): Promise<PermitSignature> {
  const signer = signerOf(ctx, "signPermit");
  const owner = await signer.getAddress();
  const [domain, nonce] = await Promise.all([
    readDomain(ctx, "depositToken"),
    readCall("depositToken.nonces", () => ctx.depositToken.nonces(owner)),
  ]);
  const sig = Signature.from(
    await signTyped(signer, "signPermit", domain, PERMIT_TYPES, {
      owner,
      spender,
      value,
      nonce,
      deadline,
    }),
  );
  return { value, deadline, v: sig.v, r: sig.r, s: sig.s };
}

/** The values of a DCJPY transfer authorization (`TransferWithAuthorization`). */
export interface TransferAuthorization {
  from: string;
  to: string;
  value: bigint;
  /** The only account that may execute it (for a settlement: the DVP). */
  spender: string;
  /** Valid strictly before this unix time. */
  validBefore: bigint;
  /** Any unused 32-byte value of `from` (for a settlement: its ID). */
  nonce: string;
}

/** Typed data of a DCJPY transfer authorization under DCJPY's EIP-712 domain. */
export function transferAuthorizationTypedData(
  domain: TypedDataDomain,
  a: TransferAuthorization,
): TypedData {
  return {
    domain,
    types: TRANSFER_AUTHORIZATION_TYPES,
    primaryType: "TransferWithAuthorization",
    message: { ...a },
  };
}

/** The buyer's payment for one settlement, as `settleWithAuthorization` takes it. */
export interface SettlementAuthorization {
  /** The authorization is valid strictly before this unix time. */
  validBefore: bigint;
  /** The buyer's EIP-712 signature. */
  signature: string;
}

/**
 * The buyer signs the cash leg of exactly one settlement (no transaction): a DCJPY transfer
 * authorization of `terms.amount` to `terms.seller`, executable only by the DVP, with the
 * settlement ID as its nonce, so it serves no other settlement, amount, payee or spender, and any
 * number of them may be open at once. `validBefore` defaults to `terms.deadline + 1` (settling is
 * allowed up to the deadline). Submit with `settle({ terms, authorization })`.
 */
export async function signSettlementAuthorization(
  ctx: KessaiContext,
  terms: SettlementTerms,
  validBefore: bigint = terms.deadline + 1n,
): Promise<SettlementAuthorization> {
  const signer = signerOf(ctx, "signSettlementAuthorization");
  const me = await signer.getAddress();
  if (getAddress(me) !== getAddress(terms.buyer)) {
    throw new InvalidParameterError("terms.buyer", terms.buyer, `is not the signer ${me}`);
  }
  if (getAddress(terms.cashToken) !== getAddress(ctx.addresses.depositToken)) {
    throw new InvalidParameterError(
      "terms.cashToken",
      terms.cashToken,
      `is not the connected deposit token ${ctx.addresses.depositToken}`,
    );
  }
  const td = transferAuthorizationTypedData(await readDomain(ctx, "depositToken"), {
    from: terms.buyer,
    to: terms.seller,
    value: terms.amount,
    spender: ctx.addresses.dvp,
    validBefore,
    nonce: terms.id,
  });
  const signature = await signTyped(
    signer,
    "signSettlementAuthorization",
    td.domain,
    td.types,
    td.message,
  );
  return { validBefore, signature };
}
