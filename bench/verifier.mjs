// Entry point of the two-ledger verifier's benchmark (latency in blocks, settlements/s through the
// service against the same transactions sent directly with ethers): runs bench/verifier.ts with
// `hardhat run` (bench/launch.mjs), passing the flags in KESSAI_VERIFIER_BENCH_OPTIONS.
// `npm run bench` (bench/cli.mjs) runs it and adds its rows. Exit status: that of the run.
import { launch } from "./launch.mjs";

launch({
  script: "bench/verifier.ts",
  envVar: "KESSAI_VERIFIER_BENCH_OPTIONS",
  usage: `Usage: node bench/verifier.mjs [--n N] [--k K] [--latency L] [--rounds R] [--out FILE]

  Two anvil nodes (ST ledger 31338, cash ledger 31339) mining a block every second.
  --n N        settlements of the throughput rows (default 200; bench/cli.mjs --quick: 20)
  --k K        the service's confirmations (default 2)
  --latency L  settlements of the latency rows, instructed at once (default 3; --quick: 1)
  --rounds R   alternating direct / service rounds; the best of each counts (default 1)
  --out FILE   rows with their descriptions and floors (default bench/results.verifier.json)
  --profile    print where the service's time goes (per phase of each settlement), each
               side's JSON-RPC requests per settlement and a CPU profile of each; no row`,
  flags: {
    "--n": "positive-integer",
    "--k": "positive-integer",
    "--latency": "positive-integer",
    "--rounds": "positive-integer",
    "--out": "string",
    "--profile": "boolean",
  },
});
