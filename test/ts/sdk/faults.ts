/**
 * Faults injected at chosen calls, for the suites of nonce holes and unanswered broadcasts: a
 * provider whose `send` may hold or refuse any request, and the small promise helpers they use.
 */
import { JsonRpcProvider, Transaction } from "ethers";

/** Answers a request instead of the node (a promise), or leaves it to the node (undefined). */
export type Hook = (method: string, params: unknown[]) => Promise<unknown> | undefined;

/** A provider whose `hook` may answer (hold, refuse) any request instead of the node. */
export class FaultyProvider extends JsonRpcProvider {
  hook: Hook | undefined;
  readonly raws: { nonce: number; to: string | null; value: bigint }[] = [];
  constructor(url: string) {
    super(url, undefined, { staticNetwork: true, pollingInterval: 20, cacheTimeout: -1 });
  }
  override send(method: string, params: unknown[] | Record<string, unknown>): Promise<unknown> {
    const args = params as unknown[];
    if (method === "eth_sendRawTransaction") {
      const tx = Transaction.from(args[0] as string);
      this.raws.push({ nonce: tx.nonce, to: tx.to, value: tx.value });
    }
    return this.hook?.(method, args) ?? super.send(method, params);
  }
}

/** A promise with its resolve/reject outside. */
export function gate<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Resolves once `cond()` holds (polled every 5 ms); throws after `ms`. */
export async function until(cond: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A node refusal that is no transport failure (the nonce is released). */
export const refusal = () =>
  Object.assign(new Error("insufficient funds for gas * price + value"), { code: -32003 });
