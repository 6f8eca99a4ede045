import { expect } from "chai";
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
