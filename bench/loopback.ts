// What the HTTP benchmarks share: the gateway (or another server) in its own process, and the
// HTTP client that loads it over loopback.
import { spawn } from "node:child_process";
import http from "node:http";
import { fileURLToPath } from "node:url";

/** POSTs `body`; resolves with the status and, when `keepBody`, the body text. */
export function post(agent: http.Agent, url: URL, path: string, body: string, keepBody = false): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: url.hostname, port: url.port, path, method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (response) => {
      let text = "";
      if (keepBody) response.setEncoding("utf8").on("data", (d) => (text += d));
      else response.resume();
      response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

/**
 * Starts `script` with `args` in its own Node process (extra `nodeArgs` before the script) and
 * resolves with the URL it prints as its first line of stdout; `stop()` sends SIGTERM and resolves
 * when the process has exited.
 */
export async function startServer(script: string, args: string[], nodeArgs: string[] = []): Promise<{ url: URL; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ["--no-warnings", ...nodeArgs, script, ...args], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, LOG_LEVEL: "error" } });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.once("data", (d) => resolve(String(d).trim()));
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    url: new URL(url),
    stop: () => {
      child.kill("SIGTERM");
      return exited;
    },
  };
}

/** The gateway (scripts/serve-gateway.ts) on `store`, on a free port. */
export function startGateway(store: string, nodeArgs: string[] = []): Promise<{ url: URL; stop(): Promise<void> }> {
  return startServer(fileURLToPath(new URL("../scripts/serve-gateway.ts", import.meta.url)), [store, "0"], nodeArgs);
}
