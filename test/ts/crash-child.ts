/**
 * What the kill -9 tests share to run a service as a child process: its script bundled once per
 * run, and a launcher that reports the URL the service prints (`ready <url>`) and its exit.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { tracked } from "./children.js";

/** A service started as a child process. */
export interface Child {
  proc: ChildProcess;
  /** The URL of its `ready <url>` line; `undefined` if it exits first. */
  url: Promise<string | undefined>;
  exit: Promise<{ code: number | null; signal: string | null; stderr: string }>;
}

/**
 * The script `packages/<pkg>/test/<name>.ts`, bundled once per run into one JavaScript file (its
 * TypeScript sources bundled, packages left to node_modules, inside the package so that its
 * imports resolve as its own do): each restart then costs Node's start and the imports (~0.7 s)
 * instead of a TypeScript compile (~2.5 s with tsx). `remove` deletes the file.
 */
export function bundledScript(pkg: string, name: string) {
  let compiled: Promise<string> | undefined;
  return {
    script(): Promise<string> {
      compiled ??= (async () => {
        const dir = path.join(process.cwd(), "packages", pkg, "node_modules", ".cache");
        await mkdir(dir, { recursive: true });
        const outfile = path.join(dir, `${name}-${process.pid}.mjs`);
        const esbuild = await import("esbuild");
        await esbuild.build({
          entryPoints: [path.join(process.cwd(), "packages", pkg, "test", `${name}.ts`)],
          outfile,
          bundle: true,
          packages: "external",
          platform: "node",
          format: "esm",
          target: "node20",
          logLevel: "error",
        });
        return outfile;
      })();
      return compiled;
    },
    async remove(): Promise<void> {
      const c = compiled;
      compiled = undefined;
      if (c) await rm(await c, { force: true }).catch(() => undefined);
    },
  };
}

/** Starts `node script config` with `env` added to the environment. */
export function spawnChild(script: string, config: string, env: Record<string, string>): Child {
  const proc = tracked(
    spawn(process.execPath, [script, config], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    }),
  );
  let stderr = "";
  proc.stderr!.on("data", (d) => (stderr += d));
  const exit = new Promise<{ code: number | null; signal: string | null; stderr: string }>(
    (resolve) => proc.on("exit", (code, signal) => resolve({ code, signal, stderr })),
  );
  const url = new Promise<string | undefined>((resolve) => {
    let out = "";
    proc.stdout!.on("data", (d) => {
      out += d;
      const m = /ready (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    void exit.then(() => resolve(undefined));
  });
  return { proc, url, exit };
}
