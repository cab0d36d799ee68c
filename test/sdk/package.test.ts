import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { keccak256, toUtf8Bytes } from "ethers";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");
const ESBUILD = join(ROOT, "node_modules/esbuild-wasm/lib/main.js");

/** What the SDK may pull into a user's project: nothing of the server's (fastify, pg, pino, prom-client). */
const SDK_DEPENDENCIES = ["@noble/curves", "@noble/hashes", "canonicalize", "ethers", "hash-wasm", "p-retry", "zod"];

/** Runs `command` in `cwd`; resolves with its output whatever its exit code. */
async function sh(command: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const start = performance.now();
  try {
    const { stdout, stderr } = await run(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr, ms: performance.now() - start };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? String(error), ms: performance.now() - start };
  }
}

// The package as a user gets it: built, packed, and installed from its tarball into a fresh
// project outside this repository, then used from plain Node, strict TypeScript, a browser
// bundle and its command line.
describe("the kppe package, installed from its tarball into a fresh project", function () {
  this.timeout(300_000);
  let project: string;
  let tarball: string;

  before(async function () {
    await rm(join(ROOT, "sdk/dist"), { recursive: true, force: true }); // nothing left from an earlier build
    const built = await sh(process.execPath, [TSC, "-p", "sdk/tsconfig.json"], ROOT);
    assert.equal(built.code, 0, `the package does not compile:\n${built.stdout}${built.stderr}`);
    project = await mkdtemp(join(tmpdir(), "kppe-consumer-"));
    const packed = await sh("npm", ["pack", "--json", "--pack-destination", project], join(ROOT, "sdk"));
    assert.equal(packed.code, 0, packed.stderr);
    const [{ filename, files }] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(project, filename);
    const paths = files.map((f) => f.path);
    assert.ok(paths.every((p) => p === "package.json" || p === "README.md" || p.startsWith("dist/")), `only the build, README and package.json are shipped: ${paths.filter((p) => !p.startsWith("dist/"))}`);
    assert.ok(!paths.some((p) => p.endsWith(".ts") && !p.endsWith(".d.ts")), "no TypeScript sources are shipped");
    await writeFile(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    const installed = await sh("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], project);
    assert.equal(installed.code, 0, installed.stderr);
  });

  after(async function () {
    if (project) await rm(project, { recursive: true, force: true });
  });

  it("depends only on what the SDK needs", async function () {
    const manifest = JSON.parse(await readFile(join(project, "node_modules/kppe/package.json"), "utf8")) as { dependencies: Record<string, string> };
    assert.deepEqual(Object.keys(manifest.dependencies).sort(), SDK_DEPENDENCIES);
  });

  it("imports from plain Node JavaScript, with every subpath, and hashes as the spec says", async function () {
    const body = { b: [true, null, 1.5], a: "é" };
    await writeFile(
      join(project, "plain.mjs"),
      `import { clientHash, verifyReceiptOffline, logRoot } from "kppe";
import { GatewayClient, BadPrevHashError } from "kppe/client";
import { verifyOnChain, verifyReceipt } from "kppe/onchain";
console.log(JSON.stringify({ hash: clientHash(${JSON.stringify(body)}), kinds: [typeof verifyReceiptOffline, typeof logRoot, typeof GatewayClient, typeof BadPrevHashError, typeof verifyOnChain, typeof verifyReceipt] }));`,
    );
    const result = await sh(process.execPath, ["plain.mjs"], project);
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout) as { hash: string; kinds: string[] };
    // RFC 8785 by hand: keys sorted, 1.5 as ECMAScript writes it; keccak256 by ethers, not by the SDK's own hasher.
    assert.equal(out.hash, keccak256(toUtf8Bytes('{"a":"é","b":[true,null,1.5]}')));
    assert.deepEqual(out.kinds, Array(6).fill("function"));
  });

  it("type-checks from TypeScript with module nodenext and strict settings, without Node's types", async function () {
    await writeFile(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { module: "nodenext", moduleResolution: "nodenext", target: "es2022", strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, noEmit: true, lib: ["es2023", "dom"], types: [] },
        files: ["good.ts"],
      }),
    );
    await writeFile(
      join(project, "good.ts"),
      `import { clientHash, verifyReceiptOffline, type CheckResult } from "kppe";
import { GatewayClient, BadPrevHashError, type EnqueueReceipt } from "kppe/client";
import { verifyReceipt, type TrustedAnchor } from "kppe/onchain";
export const hash: string = clientHash({ a: 1 });
export const checks: CheckResult[] = verifyReceiptOffline("{}").checks;
export async function send(client: GatewayClient): Promise<number> {
  try {
    const receipt: EnqueueReceipt = await client.submit({ data: { a: 1 }, sourceId: "app" });
    return receipt.fifo_sequence;
  } catch (error) {
    if (error instanceof BadPrevHashError) return error.head?.fifo_sequence ?? 0;
    throw error;
  }
}
export const trusted: TrustedAnchor = { contract: "0x0000000000000000000000000000000000000001" };
export { verifyReceipt };
`,
    );
    const good = await sh(process.execPath, [TSC, "-p", "."], project);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    // And the types are real ones, not `any`: a wrong use is refused.
    await writeFile(join(project, "good.ts"), `import { clientHash } from "kppe";\nexport const wrong: number = clientHash({ a: 1 });\n`);
    const bad = await sh(process.execPath, [TSC, "-p", "."], project);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stdout, /TS2322: Type 'string' is not assignable to type 'number'/);
  });

  it("bundles for the browser with esbuild, with no Node built-in, under 60 kB gzipped for offline verification", async function () {
    const esbuild = (await import(ESBUILD)) as typeof import("esbuild-wasm");
    const bundle = async (contents: string) => {
      const result = await esbuild.build({ stdin: { contents, resolveDir: project }, bundle: true, platform: "browser", format: "esm", target: "es2022", minify: true, write: false, logLevel: "silent" });
      return result.outputFiles[0].contents;
    };
    const offline = await bundle(`export { verifyReceiptOffline, clientHash, openCheckpoint } from "kppe";`);
    const client = await bundle(`export { GatewayClient } from "kppe/client";`);
    const onchain = await bundle(`export { verifyReceipt } from "kppe/onchain";`);
    const gz = (bytes: Uint8Array) => gzipSync(bytes, { level: 9 }).length;
    console.log(
      `      offline verification: ${offline.length} B minified, ${gz(offline)} B gzipped; client: ${gz(client)} B gzipped; on-chain (with ethers): ${gz(onchain)} B gzipped`,
    );
    assert.ok(gz(offline) < 60_000, `offline verification bundle is ${gz(offline)} B gzipped`);
    await esbuild.stop();
  });

  it("installs the kppe command, which starts in well under a second and says how to use it", async function () {
    const bin = join(project, "node_modules/.bin/kppe");
    const help = await sh(bin, ["--help"], project);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /kppe verify <receipt\.json>/);
    await writeFile(join(project, "event.json"), '{"z":1,"a":[2,3]}');
    const hashed = await sh(bin, ["hash", "event.json"], project);
    assert.equal(hashed.code, 0, hashed.stderr);
    assert.equal(hashed.stdout.trim(), keccak256(toUtf8Bytes('{"a":[2,3],"z":1}')));
    console.log(`      kppe hash: ${hashed.ms.toFixed(0)} ms, process start included`);
    assert.ok(hashed.ms < 1_000, `kppe hash took ${hashed.ms} ms`);
    const usage = await sh(bin, ["verify"], project);
    assert.equal(usage.code, 2, "a missing argument is a usage error");
    assert.match(usage.stderr, /missing the receipt file/);
    const unknown = await sh(bin, ["verify", "x.json", "--no-such-flag"], project);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--no-such-flag/);
  });
});
