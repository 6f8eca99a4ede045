// Entry point of the bank gateway's benchmark: parses --quick/--out/--only and runs
// bench/gateway.ts with `hardhat run` (bench/launch.mjs), passing them in
// KESSAI_GATEWAY_BENCH_OPTIONS. `npm run bench` (bench/cli.mjs) runs it and adds its rows.
// Exit status: that of the run.
import { launch } from "./launch.mjs";

launch({
  script: "bench/gateway.ts",
  envVar: "KESSAI_GATEWAY_BENCH_OPTIONS",
  usage: `Usage: node bench/gateway.mjs [--quick] [--out FILE]

  --quick      SQLite only: 20 issuances, 200 postings, reconciliation of 1,000 (about 30 s)
               (default: 200 issuances on SQLite and PostgreSQL, 3 rounds, 2,000 postings,
               reconciliation of 100,000 on both)
  --out FILE   rows with their descriptions and floors (default bench/results.gateway.json)
  --only PART  measure one part only: issuance, or ledger (postings and reconciliation)
  --db DB      issuance on one back end only: sqlite or postgres
  --rounds N   issuance rounds, raw ethers and each gateway alternating, best of each
               (default 3; --quick 1)
  --profile    print where PostgreSQL issuance time goes (pg_stat_statements, and what each
               backend does sampled every 10 ms); no row
  --pg-commit durable|fast
               PostgreSQL's commits: durable (default, as in production: fsync and
               synchronous_commit on) or fast (both off, as the test server runs)`,
  flags: {
    "--quick": "boolean",
    "--out": "string",
    "--only": ["issuance", "ledger"],
    "--db": ["sqlite", "postgres"],
    "--profile": "boolean",
    "--rounds": "positive-integer",
    "--pg-commit": ["durable", "fast"],
  },
});
