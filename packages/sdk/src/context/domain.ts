import type { TypedDataDomain } from "ethers";
import { eip712Domain } from "../settlement/eip712.js";
import type { KessaiContext } from "./connect.js";
import { readCall } from "./send.js";

const domainCache = new WeakMap<object, Map<string, Promise<TypedDataDomain>>>();

/**
 * Reads the EIP-712 domain of the DVP (default) or of DCJPY from its ERC-5267 `eip712Domain()`,
 * once per provider and contract (a failed read is not kept).
 */
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
    p = readCall(`${which}.eip712Domain`, () => c.eip712Domain()).then(eip712Domain);
    p.catch(() => m!.delete(key));
    m.set(key, p);
  }
  return p;
}
