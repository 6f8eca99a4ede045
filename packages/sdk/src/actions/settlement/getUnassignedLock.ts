import type { KessaiContext } from "../../context/connect.js";
import { readCall } from "../../context/send.js";
import { toAddress } from "../../utils/validate.js";

/** Parameters of {@link getUnassignedLock}. */
export interface GetUnassignedLockParams {
  /** The holder whose lock bucket at the DVP is read. */
  account: string;
  /** The security token; default this deployment's. */
  token?: string;
}
/** What {@link getUnassignedLock} resolves to. */
export interface GetUnassignedLockResult {
  token: string;
  account: string;
  /**
   * Units locked to the DVP that belong to no settlement (`unassignedLockOf`): issued or
   * force-locked to the DVP, or relocated into it. Only the issuer's paths take them out.
   */
  amount: bigint;
  /** Everything the account has locked to the DVP on the token (`lockedOf(dvp, account)`). */
  locked: bigint;
}

/**
 * Reads the DVP's `unassignedLockOf(token, account)`, the units of `account` locked to the DVP that
 * belong to no settlement, beside the whole bucket `lockedOf(dvp, account)`. For every token and
 * seller the DVP keeps `locked == Σ open settlements' quantities + amount`.
 */
export async function getUnassignedLock(
  ctx: KessaiContext,
  p: GetUnassignedLockParams,
): Promise<GetUnassignedLockResult> {
  const account = toAddress(p.account, "account");
  const token = toAddress(p.token ?? ctx.addresses.securityToken, "token");
  const st = ctx.securityToken.attach(token) as typeof ctx.securityToken;
  const [amount, locked] = await readCall("dvp.unassignedLockOf", () =>
    Promise.all([
      ctx.dvp.unassignedLockOf(token, account),
      st.lockedOf(ctx.addresses.dvp, account),
    ]),
  );
  return { token, account, amount, locked };
}
