import { BaseClient } from "./base.js";

/**
 * A read-only observer: every read of {@link BaseClient} (settlements, listings, live events,
 * balances, references, reconciliation), without a signer.
 */
export class AuditorClient extends BaseClient {}
