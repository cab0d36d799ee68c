import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** The verifier page: its HTML and its one bundled script, as a static host serves them. */
export interface VerifierPage {
  "index.html": string;
  "verify.js": Uint8Array;
}

const SOURCE = fileURLToPath(new URL("./verify.ts", import.meta.url));
const HTML = fileURLToPath(new URL("./verify.html", import.meta.url));

/**
 * Bundles the page's script (the SDK's verification and ethers for on-chain reads) for browsers
 * with esbuild's WebAssembly build (a development dependency: no native binary to install).
 */
export async function buildVerifierPage(): Promise<VerifierPage> {
  const esbuild = await import("esbuild-wasm");
  try {
    const result = await esbuild.build({ entryPoints: [SOURCE], bundle: true, platform: "browser", format: "esm", target: "es2022", minify: true, write: false, logLevel: "silent", legalComments: "none" });
    return { "index.html": await readFile(HTML, "utf8"), "verify.js": result.outputFiles[0].contents };
  } finally {
    await esbuild.stop();
  }
}
