import { expect } from "chai";
import type { BaseContract } from "ethers";
import { ContractError, KessaiError } from "../../../packages/sdk/src/index.js";

/**
 * Awaits `p`, expects it to reject with an instance of `Cls`, optionally with these args: a
 * contract error's decoded `args`, or for any other error its own properties (e.g. an
 * InputError's `field`).
 */
export async function expectError<T extends Error>(
  p: Promise<unknown>,
  Cls: abstract new (...args: never[]) => T,
  args?: Record<string, unknown>,
): Promise<T> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${Cls.name}`).to.be.instanceOf(Error);
  if (!(caught instanceof Cls)) {
    throw new Error(
      `expected ${Cls.name}, got ${(caught as Error).name}: ${(caught as Error).message}`,
    );
  }
  expect(caught).to.be.instanceOf(KessaiError);
  if (args) {
    const got = (caught instanceof ContractError ? caught.args : caught) as unknown as Record<
      string,
      unknown
    >;
    for (const [k, v] of Object.entries(args)) expect(got[k], `arg ${k}`).to.deep.equal(v);
  }
  expect((caught as unknown as KessaiError).shortMessage)
    .to.be.a("string")
    .and.not.match(/undefined/);
  return caught as T;
}

/**
 * Runs `trade` while, right after the transaction calling `method` of `contract` reaches the
 * node behind `provider` (an EIP-1193 provider, e.g. `conn.provider`; before its sender sees its
 * receipt), `meanwhile` runs to its end once. With `on: "eth_estimateGas"`: right after the node
 * answers that call's estimate (before it is sent).
 */
export async function racing(
  provider: unknown,
  contract: BaseContract,
  method: string,
  meanwhile: () => Promise<unknown>,
  trade: () => Promise<unknown>,
  on: "eth_sendTransaction" | "eth_estimateGas" = "eth_sendTransaction",
) {
  const selector = contract.interface.getFunction(method)!.selector;
  const p = provider as {
    request: (a: { method: string; params?: unknown[] }) => Promise<unknown>;
  };
  const original = p.request;
  let ran = false;
  p.request = async function (a) {
    const answer = await original.call(this, a);
    const data = (a.params?.[0] as { data?: string } | undefined)?.data;
    if (!ran && a.method === on && data?.startsWith(selector)) {
      ran = true;
      await meanwhile();
    }
    return answer;
  };
  try {
    await trade();
  } finally {
    p.request = original;
  }
  expect(ran, `${method} was ${on === "eth_estimateGas" ? "estimated" : "sent"}`).to.equal(true);
}
