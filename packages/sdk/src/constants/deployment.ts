/**
 * The deployment plan of a Kessai system, in one place: who is granted which role, and the
 * default parameters of each contract. The Ignition modules (`ignition/modules/`) and
 * `kessai deploy` both deploy from it, so the two ways of deploying cannot drift apart.
 */

/**
 * The roles each party is granted at deployment, by contract, as the names of the contracts'
 * role getters (`ISSUER_ROLE()`, ...; `roleName` maps a value back to its name). The deployer is
 * the default admin of every contract and grants these; it keeps no other role.
 */
export const KESSAI_ROLES = {
  /** The issuer: registrar of its investor register, every issuer and enforcement role of the security token. */
  issuer: {
    investorRegistry: ["REGISTRAR_ROLE"],
    securityToken: [
      "ISSUER_ROLE",
      "PAUSER_ROLE",
      "TRANSFER_APPROVER_ROLE",
      "FORCE_TRANSFER_ROLE",
      "FORCE_LOCK_ROLE",
      "FORCE_UNLOCK_ROLE",
      "FORCE_RELOCATE_ROLE",
    ],
  },
  /** The bank: every role on DCJPY (its account book, issuance, redemption, freezes, pause). */
  bank: {
    depositToken: ["REGISTRAR_ROLE", "ISSUER_ROLE", "REDEEMER_ROLE", "FREEZER_ROLE", "PAUSER_ROLE"],
  },
  /** Each settlement agent. */
  agent: { dvp: ["SETTLEMENT_AGENT_ROLE"] },
  /** The DVP's pauser. */
  pauser: { dvp: ["PAUSER_ROLE"] },
} as const;

/**
 * Default constructor parameters of the contracts (a local or test deployment; a production one
 * passes its own). Amounts are in base units; the tokens have 0 decimals (one DCJPY unit is one
 * yen, as ibet's tokens count whole units).
 */
export const DEPLOYMENT_DEFAULTS = {
  /** Delay, in seconds, of each contract's two-step default-admin handover. */
  adminDelay: 0,
  /** The security token as a straight bond. */
  straightBond: {
    name: "Kessai Digital Bond 2030",
    symbol: "KDB30",
    decimals: 0,
    terms: {
      faceValue: 10_000n,
      faceValueCurrency: "JPY",
      interestRate: 5_000n,
      interestPaymentDates: ["0331", "0930"],
      redemptionDate: 1_893_456_000n,
      redemptionValue: 10_000n,
      redemptionValueCurrency: "JPY",
    },
  },
  /** The security token as a share. */
  share: {
    name: "Kessai Digital Share",
    symbol: "KDS",
    decimals: 0,
    terms: {
      issuePrice: 1_000n,
      dividendPerUnit: 0n,
      dividendRecordDate: "",
      dividendPaymentDate: "",
      cancellationDate: "",
    },
  },
  /** DCJPY, the deposit token. */
  depositToken: { name: "DCJPY", symbol: "DCJPY", decimals: 0 },
} as const;
