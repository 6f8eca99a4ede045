import { createRequire } from "node:module";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig, task } from "hardhat/config";

const require = createRequire(import.meta.url);

/**
 * Compiler: the WebAssembly build that the npm package `solc` ships, so compilation needs no
 * download. Keep `version` equal to the `solc` version pinned in package.json.
 */
const SOLC_VERSION = "0.8.30";

const COMPILER = {
  version: SOLC_VERSION,
  path: require.resolve("solc/soljson.js"),
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "cancun",
  },
};

/**
 * `npx hardhat demo [--scenario settle|never-pays|agent-rejects|eligibility-removed|issuer-terminates|
 * two-ledger-settle|two-ledger-refused|two-ledger-never-pays|all]`.
 */
const demo = task("demo", "Runs the seven-step DVP demo and its failure scenarios")
  .addOption({
    name: "scenario",
    description:
      "settle, never-pays, agent-rejects, eligibility-removed, issuer-terminates, two-ledger-settle, two-ledger-refused, two-ledger-never-pays, or all",
    defaultValue: "all",
  })
  .setAction(() => import("./scripts/demo-task.js"))
  .build();

/**
 * `npm run coverage` (scripts/coverage.mjs) sets KESSAI_COVERAGE=1: it measures which lines the
 * Solidity suite reaches, not how deep the campaigns search, so it runs them shorter. `npm test`
 * always runs the full campaigns.
 */
const COVERAGE_RUN = process.env.KESSAI_COVERAGE === "1";

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  tasks: [demo],
  solidity: {
    // One compiler set-up; the `production` profile (used by `hardhat build --build-profile
    // production` and Ignition deployments to live networks) is the same as the default.
    profiles: { default: COMPILER, production: COMPILER },
  },
  paths: {
    tests: {
      solidity: "./test/sol",
      mocha: "./test/ts",
    },
  },
  test: {
    solidity: COVERAGE_RUN
      ? { fuzz: { runs: 32 }, invariant: { runs: 16, depth: 32, failOnRevert: false } }
      : { fuzz: { runs: 256 }, invariant: { runs: 64, depth: 64, failOnRevert: false } },
  },
  networks: {
    hardhatMainnet: {
      type: "edr-simulated",
      chainType: "l1",
    },
    /**
     * The two ledgers of a two-ledger settlement (docs/two-ledger.md), in one process:
     * `network.create("stLedger")` (the security token and CrossLedgerDelivery, chain 31338) and
     * `network.create("cashLedger")` (DCJPY and CrossLedgerPayment, chain 31339). Each has its own
     * chain ID, blocks and state; the default network keeps 31337.
     */
    stLedger: {
      type: "edr-simulated",
      chainType: "l1",
      chainId: 31338,
    },
    cashLedger: {
      type: "edr-simulated",
      chainType: "l1",
      chainId: 31339,
    },
    localhost: {
      type: "http",
      chainType: "l1",
      url: "http://127.0.0.1:8545",
    },
    /** Any JSON-RPC network: `npx hardhat keystore set KESSAI_RPC_URL` and `KESSAI_DEPLOYER_KEY`. */
    remote: {
      type: "http",
      chainType: "l1",
      url: configVariable("KESSAI_RPC_URL"),
      accounts: [configVariable("KESSAI_DEPLOYER_KEY")],
    },
  },
});
