// npm run bench:merkle — builds the K-PPE tree and all its proofs for 2^10, 2^16 and 2^20 leaves,
// and the same with @openzeppelin/merkle-tree in the same run. Each measurement runs in its own
// process so that its peak RSS is its own. Ends with one JSON line of the figures.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { SimpleMerkleTree } from "@openzeppelin/merkle-tree";
import { KppeTree } from "../src/merkle/kppeTree.ts";

const SIZES = [2 ** 10, 2 ** 16, 2 ** 20];
/** Above this, OpenZeppelin runs only if it is expected to finish within OZ_BUDGET_MS. */
const OZ_ALWAYS_UP_TO = 2 ** 18;
const OZ_BUDGET_MS = 60_000;

interface Figures {
  impl: "kppe" | "openzeppelin";
  leaves: number;
  /** First build in a fresh process: includes JIT warm-up (V8 compiles WebAssembly in a baseline tier first). */
  coldBuildMs: number;
  /** Second build of the same input: what a long-running keeper sees. */
  buildMs: number;
  proofsMs: number;
  /** From the warm build. */
  leavesPerSec: number;
  baselineRssMiB: number;
  peakRssMiB: number;
}

const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

function measure(impl: Figures["impl"], leaves: number): Figures {
  const packed = randomBytes(leaves * 32);
  const hexLeaves = impl === "openzeppelin" ? Array.from({ length: leaves }, (_, i) => "0x" + packed.toString("hex", i * 32, i * 32 + 32)) : [];
  const build =
    impl === "kppe"
      ? () => {
          const tree = KppeTree.fromPacked(packed, { maxLeaves: leaves });
          return (i: number) => tree.proof(i);
        }
      : () => {
          const tree = SimpleMerkleTree.of(hexLeaves, { sortLeaves: false });
          return (i: number) => tree.getProof(i);
        };
  globalThis.gc?.();
  const baseline = process.memoryUsage().rss;
  const t0 = performance.now();
  build();
  const t1 = performance.now();
  globalThis.gc?.();
  const t2 = performance.now();
  const proofs = build();
  const t3 = performance.now();
  for (let i = 0; i < leaves; i++) proofs(i);
  const t4 = performance.now();
  return {
    impl,
    leaves,
    coldBuildMs: Math.round(t1 - t0),
    buildMs: Math.round(t3 - t2),
    proofsMs: Math.round(t4 - t3),
    leavesPerSec: Math.round(leaves / ((t3 - t2) / 1000)),
    baselineRssMiB: mib(baseline),
    peakRssMiB: mib(process.resourceUsage().maxRSS * 1024),
  };
}

function runChild(impl: Figures["impl"], leaves: number, timeoutMs?: number): Figures | string {
  const child = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), "--child", impl, String(leaves)], {
    encoding: "utf8",
    timeout: timeoutMs,
  });
  if (child.error || child.status !== 0) return `failed or timed out (${child.error?.message ?? child.stderr.trim()})`;
  return JSON.parse(child.stdout.trim().split("\n").pop()!);
}

if (process.argv[2] === "--child") {
  console.log(JSON.stringify(measure(process.argv[3] as Figures["impl"], Number(process.argv[4]))));
} else {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(`K-PPE tree vs @openzeppelin/merkle-tree — ${cpu}, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString()}`);
  console.log("leaves    impl          cold build ms  build ms  leaves/s    all proofs ms  peak RSS MiB (baseline)");
  const results: Record<string, unknown>[] = [];
  let lastOz: Figures | undefined;
  for (const leaves of SIZES) {
    const kppe = runChild("kppe", leaves) as Figures;
    let oz: Figures | string;
    // Linear extrapolation from the last size OpenZeppelin ran (build and proofs together).
    const expectedOzMs = lastOz ? ((lastOz.coldBuildMs + lastOz.buildMs + lastOz.proofsMs) * leaves) / lastOz.leaves : 0;
    if (leaves > OZ_ALWAYS_UP_TO && expectedOzMs > OZ_BUDGET_MS) {
      oz = `skipped: extrapolated ~${Math.round(expectedOzMs / 1000)} s for build and proofs, over the ${OZ_BUDGET_MS / 1000} s budget`;
    } else {
      oz = runChild("openzeppelin", leaves, leaves > OZ_ALWAYS_UP_TO ? OZ_BUDGET_MS : undefined);
    }
    for (const f of [kppe, oz]) {
      if (typeof f === "string") console.log(`${String(leaves).padEnd(10)}openzeppelin  ${f}`);
      else
        console.log(
          `${String(leaves).padEnd(10)}${f.impl.padEnd(14)}${String(f.coldBuildMs).padStart(13)}  ${String(f.buildMs).padStart(8)}  ${String(f.leavesPerSec).padStart(10)}  ${String(f.proofsMs).padStart(13)}  ${f.peakRssMiB} (${f.baselineRssMiB})`,
        );
    }
    if (typeof oz !== "string") lastOz = oz;
    const ratio = typeof oz === "string" ? null : Math.round((kppe.leavesPerSec / oz.leavesPerSec) * 10) / 10;
    const coldRatio = typeof oz === "string" ? null : Math.round((oz.coldBuildMs / kppe.coldBuildMs) * 10) / 10;
    const treeMiB = mib(2 * leaves * 32);
    const memoryFactor = Math.round(((kppe.peakRssMiB - kppe.baselineRssMiB) / treeMiB) * 100) / 100;
    console.log(`          build speed-up ${ratio ?? "n/a"}x warm, ${coldRatio ?? "n/a"}x cold; tree memory ${memoryFactor}x its raw size (${treeMiB} MiB)`);
    results.push({ leaves, kppe, openzeppelin: oz, speedup: ratio, coldSpeedup: coldRatio, memoryFactor });
  }
  const commit = (() => {
    try {
      return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    } catch {
      return "unknown";
    }
  })();
  console.log(JSON.stringify({ bench: "merkle", date: new Date().toISOString(), cpu, node: process.version, commit, results }));
}
