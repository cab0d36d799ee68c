import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const HARDHAT = realpathSync(new URL("../../node_modules/.bin/hardhat", import.meta.url));
const KPPE = fileURLToPath(new URL("../../src/cli/kppe.ts", import.meta.url));
/** What `isCi()` of @nomicfoundation/hardhat-utils reads. */
const HARDHAT_CI_VARIABLES = ["GITHUB_ACTIONS", "NOW", "DEPLOYMENT_ID", "CODEBUILD_BUILD_NUMBER", "CI", "CONTINUOUS_INTEGRATION", "BUILD_NUMBER", "RUN_ID"];

/**
 * This process's environment as a user's shell has it, then `extra`: without the variables by
 * which Hardhat detects CI, with any of which it prints every error's stack trace
 * (`--show-stack-traces` on by default), so that a command prints in CI what it prints to a user.
 */
export function userEnvironment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of HARDHAT_CI_VARIABLES) delete env[name];
  return { ...env, ...extra };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `npx hardhat <args>` in the project as a user would, in its own process. */
export function hardhat(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return runNode([HARDHAT, ...args], options);
}

/** Runs the `kppe` command (from source: test/sdk/package.test.ts runs the packaged one). */
export function kppe(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return runNode([KPPE, ...args], options);
}

function runNode(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--no-warnings", ...args], {
      cwd: ROOT,
      env: userEnvironment(options.env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Starts `npx hardhat node` on a free loopback port; resolves once it serves JSON-RPC. */
export async function startHardhatNode(): Promise<{ url: string; child: ChildProcess }> {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const child = spawn(process.execPath, ["--no-warnings", HARDHAT, "node", "--hostname", "127.0.0.1", "--port", String(port)], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      output += d;
      if (output.includes("JSON-RPC server at")) resolve();
    });
    child.stderr!.on("data", (d) => (output += d));
    child.once("exit", (code) => reject(new Error(`hardhat node exited with ${code}: ${output}`)));
  });
  child.stdout!.resume();
  return { url: `http://127.0.0.1:${port}`, child };
}

/** Starts a long-running `npx hardhat <args>` (a keeper, a gateway); its output accumulates in `output()`. */
export function startHardhatTask(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ["--no-warnings", HARDHAT, ...args], { cwd: ROOT, env: userEnvironment(env), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  return { child, output: () => output };
}
