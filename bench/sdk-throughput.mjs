// Entry point of `npm run bench:sdk`: parses --n/--rounds/--out/--only and runs
// bench/sdk-throughput.ts with `hardhat run` (bench/launch.mjs), passing them in
// KESSAI_SDK_BENCH_OPTIONS. Exit status: that of the run.
import { launch } from "./launch.mjs";

launch({
  script: "bench/sdk-throughput.ts",
  envVar: "KESSAI_SDK_BENCH_OPTIONS",
  usage: `Usage: node bench/sdk-throughput.mjs [--n N] [--rounds R] [--out FILE]

  --n N        settlements per round and side (default 200)
  --rounds R   rounds per side and network, interleaved ABBA...; the median of each side
               counts, with the range of the per-round ratios (default 4)
  --out FILE   rows (bench/results.json format) (default bench/results.sdk.json)
  --only NET   measure one network only: inprocess or hardhat-node; or settleTrade (the
               whole-trades row only)`,
  flags: {
    "--n": "positive-integer",
    "--rounds": "positive-integer",
    "--out": "string",
    "--only": "string",
  },
});
