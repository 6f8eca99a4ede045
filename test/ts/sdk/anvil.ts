/**
 * anvil (foundry's node, from the `@foundry-rs/anvil` devDependency) in a child process on a free
 * port, for tests that need what Hardhat's node does not offer: dropping a pending transaction
 * (`anvil_dropTransaction`), reorgs (`anvil_reorg`), base-fee spikes, a restart from a state dump.
 *
 * Every node started here is killed when the test process exits, whatever happens.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { tracked } from "../children.js";
import { freePort } from "./hardhat-node.js";

/** Options of {@link startAnvil}. */
export interface AnvilOptions {
  /** Chain ID (default 31337). */
  chainId?: number;
  /** Seconds between blocks (`--block-time`); default: automine (a block per transaction). */
  blockTime?: number;
  /** No mining at all until `evm_mine` (or `evm_setAutomine`). */
  noMining?: boolean;
  /** Base fee of the first block, wei (`--base-fee`). */
  baseFee?: bigint;
  /** A state file to start from (`--load-state`), e.g. one written by {@link Anvil.dumpState}. */
  loadState?: string;
  /** Transaction order in blocks (`--order`): `fifo` (arrival) or `fees` (anvil's default). */
  order?: "fifo" | "fees";
  /** Port to listen on (default: a free one). */
  port?: number;
  /** Funded accounts of the default mnemonic (default 50; anvil's own default is 10). */
  accounts?: number;
  /** EVM hardfork (`--hardfork`), e.g. `berlin` for a chain of legacy fees (no base fee). */
  hardfork?: string;
}

/** A running anvil. */
export interface Anvil {
  url: string;
  port: number;
  process: ChildProcess;
  /** A raw JSON-RPC call; throws `Error` with the node's code and message on an error answer. */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Mines one block (`evm_mine`). */
  mine(): Promise<void>;
  /** Writes the node's state (`anvil_dumpState`, un-gzipped) to `file` for `loadState`. */
  dumpState(file: string): Promise<void>;
  /** Sends SIGKILL and waits for the process to exit. */
  stop(): Promise<void>;
}

/** The anvil binary: the platform package's (npm skips the wrapper's postinstall). */
export function anvilBinary(): string {
  const require = createRequire(path.join(process.cwd(), "package.json"));
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`;
  const exe = process.platform === "win32" ? "anvil.exe" : "anvil";
  try {
    const bin = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), "bin", exe);
    if (existsSync(bin)) return bin;
  } catch {
    /* fall back to the wrapper */
  }
  return path.join(process.cwd(), "node_modules", ".bin", "anvil");
}

async function call<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { result?: T; error?: { code: number; message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message} (${body.error.code})`);
  return body.result as T;
}

/** Starts anvil and waits (at most 10 s) until it answers `eth_chainId`. */
export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  for (let attempt = 0; ; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await launch(port, options);
    } catch (err) {
      // Another process may have taken the free port in between: try another one.
      if (options.port !== undefined || attempt >= 2) throw err;
    }
  }
}

async function launch(port: number, options: AnvilOptions): Promise<Anvil> {
  const args = ["--port", String(port), "--chain-id", String(options.chainId ?? 31337)];
  args.push("--accounts", String(options.accounts ?? 50));
  if (options.blockTime !== undefined) args.push("--block-time", String(options.blockTime));
  if (options.noMining) args.push("--no-mining");
  if (options.baseFee !== undefined) args.push("--base-fee", options.baseFee.toString());
  if (options.loadState) args.push("--load-state", options.loadState);
  if (options.order) args.push("--order", options.order);
  if (options.hardfork) args.push("--hardfork", options.hardfork);
  const child = tracked(spawn(anvilBinary(), args, { stdio: ["ignore", "ignore", "pipe"] }));
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  const started = Date.now();
  for (;;) {
    try {
      await call(url, "eth_chainId");
      break;
    } catch {
      if (child.exitCode !== null || Date.now() - started > 10_000) {
        await stop();
        throw new Error(`anvil did not start on port ${port}: ${stderr.trim().slice(0, 500)}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return {
    url,
    port,
    process: child,
    rpc: (method, params) => call(url, method, params),
    mine: async () => {
      await call(url, "evm_mine");
    },
    dumpState: async (file) => {
      const hex = await call<string>(url, "anvil_dumpState");
      const buf = Buffer.from(hex.slice(2), "hex");
      const gz = buf[0] === 0x1f && buf[1] === 0x8b;
      await writeFile(file, gz ? gunzipSync(buf) : buf);
    },
    stop,
  };
}

/**
 * One anvil for the calling mocha suite: started before its tests, stopped after them. Returns
 * the getter of the running node.
 */
export function anvilForSuite(options: AnvilOptions = {}): () => Anvil {
  let anvil: Anvil | undefined;
  before(async function () {
    anvil = await startAnvil(options);
  });
  after(async function () {
    await anvil?.stop();
  });
  return () => anvil!;
}

/** JSON-RPC request as a proxy sees it. */
export interface RpcRequest {
  id: unknown;
  method: string;
  params: unknown[];
}

/** A JSON-RPC proxy in front of a node, for injecting node errors. */
export interface RpcProxy {
  url: string;
  /** Requests seen, in order (method names). */
  seen: string[];
  close(): Promise<void>;
}

/** What a proxy's `intercept` may answer instead of the node: an error, or a result. */
export type RpcAnswer = { code: number; message: string } | { result: unknown };

/**
 * Forwards JSON-RPC (single and batched) to `target`; `intercept` may answer a request itself
 * (at once or later) with a JSON-RPC error (`{ code, message }`) or a result (`{ result }`).
 */
export async function startRpcProxy(
  target: string,
  intercept: (req: RpcRequest) => RpcAnswer | undefined | Promise<RpcAnswer | undefined>,
): Promise<RpcProxy> {
  const seen: string[] = [];
  const answer = async (req: RpcRequest) => {
    seen.push(req.method);
    const own = await intercept(req);
    if (own && "result" in own) return { jsonrpc: "2.0", id: req.id, result: own.result };
    if (own) return { jsonrpc: "2.0", id: req.id, error: own };
    const res = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(req),
    });
    return res.json();
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      void (async () => {
        try {
          const parsed = JSON.parse(body) as RpcRequest | RpcRequest[];
          const out = Array.isArray(parsed)
            ? await Promise.all(parsed.map(answer))
            : await answer(parsed);
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify(out));
        } catch (err) {
          res.writeHead(500);
          res.end(String(err));
        }
      })();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
