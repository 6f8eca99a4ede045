/**
 * Child processes (nodes, services) that tests start: each one is killed when the test process
 * exits, and at the end of a mocha run. The second matters when a suite could not stop a child
 * itself, e.g. a `before` hook that timed out while a node was still starting: the child's pipes
 * would keep the test process alive after its last test, and the run would never end.
 */
import type { ChildProcess } from "node:child_process";

const running = new Set<ChildProcess>();
let ended = false;

const killAll = () => {
  ended = true;
  for (const c of running) c.kill("SIGKILL");
};

process.once("exit", killAll);
// A root hook under mocha; the benches import the same helpers without mocha.
if (typeof after === "function") after(killAll);

/**
 * Tracks `child` until it exits; returns it. A child started after the run ended (by a hook that
 * timed out and is still running) is killed at once.
 */
export function tracked<T extends ChildProcess>(child: T): T {
  if (ended) child.kill("SIGKILL");
  running.add(child);
  child.once("exit", () => running.delete(child));
  return child;
}
