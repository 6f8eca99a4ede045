import type { Provider } from "ethers";

/** FIFO lock that counts its holder and waiters. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  /** Callers holding or waiting for the lock. */
  waiting = 0;
  run<T>(fn: () => Promise<T>): Promise<T> {
    this.waiting++;
    const body = async () => {
      try {
        return await fn();
      } finally {
        this.waiting--;
      }
    };
    const next = this.tail.then(body, body);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/**
 * The nonce bookkeeping of one account on one provider, shared by every signer and engine of
 * that account in this process. Its fields are read and written under {@link mutex} (except the
 * sets of live and abandoned nonces, which only record what the engine watches).
 */
export class NonceQueue {
  readonly mutex = new Mutex();
  /** Next fresh nonce; undefined until read from the node (first use, after a re-sync). */
  next: number | undefined;
  /** Allocated nonces whose broadcast was refused, ascending; taken first. */
  holes: number[] = [];
  /** Broadcasts awaiting the node's answer, by nonce (settle, never reject). */
  readonly inflight = new Map<number, Promise<unknown>>();
  /** Nonces whose send the engine is watching in this process. */
  readonly live = new Set<number>();
  /** Nonces whose caller gave up while they were pending: they may never be mined. */
  readonly abandoned = new Set<number>();
  /** Lowest nonce the first allocation may use (above the journal's open entries). */
  floor = 0;
  /** Releases the account's {@link KeyLock}, while this process holds it. */
  lease: (() => Promise<void>) | undefined;
  /** Set once the journal's open entries of this account were resumed, per journal. */
  readonly resumed = new WeakMap<object, Promise<void>>();

  /** Allocates a nonce: the lowest hole, else the next fresh one (read with `count` if unknown). */
  async allocate(count: () => Promise<number>): Promise<number> {
    if (this.holes.length > 0) return this.holes.shift()!;
    if (this.next === undefined) this.next = Math.max(await count(), this.floor);
    return this.next++;
  }

  /**
   * After a nonce used elsewhere (the chain ran ahead: another process or wallet on this key):
   * the counter becomes max(node's pending count, local counter); holes below it are gone.
   */
  async resync(count: () => Promise<number>): Promise<void> {
    const onNode = await count();
    this.next = Math.max(onNode, this.next ?? 0);
    this.holes = this.holes.filter((h) => h >= onNode);
  }

  /**
   * The chain fell behind the local counter while nothing of this process is in flight: nonces
   * from the node's pending count up were given up on and dropped (nothing holds them), so the
   * counter steps back to the node's count. Under the lock.
   */
  async fallBack(count: () => Promise<number>): Promise<void> {
    if (this.next === undefined || this.live.size > 0 || this.inflight.size > 0) return;
    const onNode = await count();
    if (onNode < this.next) {
      this.next = onNode;
      this.holes = [];
    }
    this.abandoned.clear();
  }

  /**
   * A nonce whose broadcast was refused: steps the counter back if it was the highest
   * allocated, else records a hole. Returns true when a hole was recorded.
   */
  release(nonce: number): boolean {
    if (this.next === nonce + 1) {
      this.next = nonce;
      while (this.holes.length > 0 && this.holes[this.holes.length - 1] === this.next - 1) {
        this.next = this.holes.pop()!;
      }
      return false;
    }
    if (this.next !== undefined && nonce >= this.next) return false;
    if (!this.holes.includes(nonce)) {
      this.holes.push(nonce);
      this.holes.sort((a, b) => a - b);
    }
    return true;
  }

  /** Records a broadcast awaiting the node's answer (removed once it settles). */
  track(nonce: number, sent: Promise<unknown>): void {
    const settled = sent.then(
      () => undefined,
      () => undefined,
    );
    this.inflight.set(nonce, settled);
    void settled.then(() => {
      if (this.inflight.get(nonce) === settled) this.inflight.delete(nonce);
    });
  }

  /** True when nothing of this process is allocated, broadcasting or watched. */
  get idle(): boolean {
    return this.live.size === 0 && this.inflight.size === 0 && this.mutex.waiting === 0;
  }

  /** Broadcasts in flight below `nonce`. */
  lower(nonce: number): Promise<unknown>[] {
    return [...this.inflight].filter(([n]) => n < nonce).map(([, p]) => p);
  }
}

const providerIds = new WeakMap<object, number>();
let providerSeq = 0;
const queues = new Map<string, NonceQueue>();

/** The queue of `address` on `provider` (one per pair in this process). */
export function nonceQueue(provider: Provider | null, address: string): NonceQueue {
  const p = (provider ?? {}) as object;
  let id = providerIds.get(p);
  if (id === undefined) providerIds.set(p, (id = ++providerSeq));
  const key = `${id}:${address.toLowerCase()}`;
  let q = queues.get(key);
  if (!q) queues.set(key, (q = new NonceQueue()));
  return q;
}
