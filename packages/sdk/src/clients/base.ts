import { connect, type ConnectOptions, type KessaiContext } from "../context/connect.js";
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
  /**
   * Releases the connection: destroys the provider if {@link connect} created it from `rpcUrl`
   * (stopping its polling so the process can exit). A provider passed in as `runner` belongs to
   * the caller and is left alone. The client must not be used afterwards.
   */
  close(): void {
    if (this.ctx.ownsProvider) (this.ctx.provider as { destroy?: () => void }).destroy?.();
  }
  /** Connects and wraps the context in this client class. */
  static async connect<T extends BaseClient>(
    this: new (ctx: KessaiContext) => T,
    options: ConnectOptions,
  ): Promise<T> {
    return new this(await connect(options));
  }
}
