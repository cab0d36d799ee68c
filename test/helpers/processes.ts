import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer, type AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { userEnvironment } from "./hardhatCli.ts";
import { waitFor } from "./wait.ts";

const SERVE = fileURLToPath(new URL("../../scripts/serve-gateway.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * `npx hardhat <args>` as a user runs it from a shell (not from npm test). `output` gathers
 * stdout and stderr; `outputClosed` turns true once every process holding them exited: npx and
 * the task's own process below it, which a signal to npx does not reach (tasks/stop.ts).
 * `extraEnv` adds to (or, with "", blanks) the environment a user's shell has (userEnvironment).
 */
export function runHardhatTask(args: string[], extraEnv: Record<string, string> = {}) {
  const env = userEnvironment(extraEnv);
  delete env.npm_command;
  const child = spawn("npx", ["hardhat", ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const run = { child, output: "", outputClosed: false, exited: new Promise<number | null>((resolve) => child.once("exit", resolve)) };
  child.stdout.on("close", () => (run.outputClosed = true));
  child.stdout.on("data", (d) => (run.output += d));
  child.stderr.on("data", (d) => (run.output += d));
  return run;
}

/**
 * Stops a task run by runHardhatTask as a process manager does (SIGTERM to npx) and waits, 15 s at
 * most, until the task's own process below npx exited too.
 */
export async function stopHardhatTask(run: ReturnType<typeof runHardhatTask>): Promise<void> {
  run.child.kill("SIGTERM");
  await waitFor("the task's process to exit", async () => run.outputClosed, 15_000);
}

/**
 * The pid and URL that a gateway run by runHardhatTask (`ledger:serve --log-format json`) logs
 * once it listens; fails at once, with the output, if npx exits first.
 */
export async function whenGatewayListens(run: ReturnType<typeof runHardhatTask>, timeoutMs: number): Promise<{ pid: number; url: string }> {
  let listening: { pid: number; url: string } | undefined;
  await waitFor("the gateway listening", async () => {
    assert.equal(run.child.exitCode, null, `npx exited: ${run.output}`);
    const line = run.output.split("\n").find((l) => l.includes("gateway listening on"));
    listening = line ? (JSON.parse(line) as { pid: number; url: string }) : undefined;
    return listening !== undefined;
  }, timeoutMs);
  return listening!;
}

/** Starts a real gateway process on `port` (default: a free one) and resolves with it and its URL. */
export async function startGatewayProcess(store: string, port = 0): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["--no-warnings", SERVE, store, String(port)], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.once("data", (d) => resolve(String(d).trim().split("\n")[0]));
    child.once("exit", (code) => reject(new Error(`gateway exited with ${code}: ${stderr}`)));
  });
  return { child, url };
}

export async function kill(child: ChildProcess, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill(signal);
  await exited;
}

/** A port free on 127.0.0.1 now, for a process that must be told its port before it starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
