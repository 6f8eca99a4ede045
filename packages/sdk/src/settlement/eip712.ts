import { TypedDataEncoder, getAddress, verifyTypedData, type TypedDataDomain } from "ethers";
import { TERMS_TYPE, type SettlementTerms } from "./terms.js";

/**
 * The EIP-712 schema of every message the Kessai contracts verify, in one place: the types, the
 * domain and the typed data of each message, pure (no chain, no signer). The SDK's signing and
 * verifying actions, the benchmark and the tests all build their payloads here, so the bytes a
 * wallet signs are defined once.
 */

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

/** What a contract's ERC-5267 `eip712Domain()` answers (the fields the Kessai contracts set). */
export interface Eip712DomainFields {
  name: string;
  version: string;
  chainId: bigint;
  verifyingContract: string;
}

/** The EIP-712 domain of a contract, from its ERC-5267 `eip712Domain()` answer. */
export function eip712Domain(d: Eip712DomainFields): TypedDataDomain {
  return {
    name: d.name,
    version: d.version,
    chainId: d.chainId,
    verifyingContract: d.verifyingContract,
  };
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

/** The values of an ERC-2612 permit (`Permit`). */
export interface Permit {
  owner: string;
  spender: string;
  value: bigint;
  /** The owner's current `nonces(owner)`. */
  nonce: bigint;
  deadline: bigint;
}

/** Typed data of an ERC-2612 permit under DCJPY's EIP-712 domain. */
export function permitTypedData(domain: TypedDataDomain, permit: Permit): TypedData {
  return { domain, types: PERMIT_TYPES, primaryType: "Permit", message: { ...permit } };
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

/** The digest the contract checks (for the DVP, its `affirmDigest` / `approveDigest`). */
export function typedDataDigest(td: TypedData): string {
  return TypedDataEncoder.hash(td.domain, td.types, td.message);
}

/** Whether `signature` is `account`'s ECDSA signature of `td` (false for any malformed input). */
export function isSignedBy(td: TypedData, signature: string, account: string): boolean {
  try {
    return (
      getAddress(verifyTypedData(td.domain, td.types, td.message, signature)) ===
      getAddress(account)
    );
  } catch {
    return false;
  }
}
