import { connect, type ConnectOptions, type KessaiContext } from "../connect.js";
import { MissingSignerError } from "../errors/input.js";

/** What every client shares: a context and the signer's address. */
export abstract class BaseClient {
  readonly ctx: KessaiContext;
  constructor(ctx: KessaiContext) {
    this.ctx = ctx;
  }
  /** The signer's address (throws MissingSignerError for a read-only client). */
  get address(): string {
    if (!this.ctx.account) throw new MissingSignerError("address");
    return this.ctx.account;
  }
  /** Connects and wraps the context in this client class. */
  static async connect<T extends BaseClient>(
    this: new (ctx: KessaiContext) => T,
    options: ConnectOptions,
  ): Promise<T> {
    return new this(await connect(options));
  }
}
