import { getAddress } from "ethers";
import { KppeTree, verifyKppeProof } from "../merkle/kppeTree.ts";
import { DEFAULT_MAX_LEAVES } from "../merkle/limits.ts";
import type { RecorderChain } from "../chain/recorderChain.ts";
import type { CheckResult } from "../receipt/verify.ts";
import { hashChunks, listInput, type InputFile } from "./chunks.ts";
import { MANIFEST_FORMAT, manifestHash, sessionKey, type ManifestChunk, type SessionManifest } from "./manifest.ts";

const describeChunk = (c: ManifestChunk) => `chunk ${c.index} (${c.file}, ${c.size === 0 ? "empty" : `bytes ${c.offset}-${c.offset + c.size - 1}`})`;

/** The manifest on its own: its hash, its session key, its chunk list, its tree and every proof. */
export function checkManifest(m: SessionManifest): CheckResult[] {
  if (m?.format !== MANIFEST_FORMAT) return [{ name: "manifest", ok: false, detail: `not a Lucid session manifest (format ${JSON.stringify(m?.format)}, expected ${MANIFEST_FORMAT})` }];
  const hash = manifestHash(m);
  const checks: CheckResult[] = [
    { name: "manifest hash", ok: hash === m.manifest_hash, detail: hash === m.manifest_hash ? hash : `the manifest hashes to ${hash}, it says ${m.manifest_hash}: it was edited` },
    { name: "session key", ok: sessionKey(m.session_id) === m.session_key, detail: `${JSON.stringify(m.session_id)} -> ${m.session_key}` },
  ];
  const ordered = m.chunks.length === m.chunk_count && m.chunks.every((c, i) => c.index === i);
  const covered = m.files.every((f) => m.chunks.slice(f.first_chunk, f.first_chunk + f.chunk_count).reduce((n, c) => n + c.size, 0) === f.size);
  if (!ordered || !covered) return [...checks, { name: "chunk list", ok: false, detail: "chunks are not numbered 0..chunk_count-1 or do not add up to the files' sizes" }];
  const root = KppeTree.fromHex(
    m.chunks.map((c) => c.hash),
    { maxLeaves: DEFAULT_MAX_LEAVES },
  ).root;
  const bad = m.chunks.find((c) => !verifyKppeProof({ root: m.root, leaf: c.hash, proof: c.proof, leafIndex: c.index, leafCount: m.chunk_count }));
  checks.push({ name: "merkle root", ok: root === m.root, detail: root === m.root ? `${m.chunk_count} chunks -> ${root}` : `the chunk hashes give ${root}, the manifest says ${m.root}` });
  checks.push({ name: "chunk proofs", ok: !bad, detail: bad ? `the proof of ${describeChunk(bad)} does not reach the root` : `all ${m.chunk_count} proofs reach the root` });
  return checks;
}

/**
 * Streams the input (a file or a directory, as anchored) and compares it chunk by chunk with the
 * manifest; the first chunk that differs is named with its file and byte range.
 */
export async function compareInput(m: SessionManifest, input: string, onBytes?: (bytes: number) => void): Promise<CheckResult> {
  const files = await listInput(input);
  const single = m.files.length === 1 && files.length === 1;
  const byPath = new Map(files.map((f) => [f.path, f]));
  const extra = single ? [] : files.filter((f) => !m.files.some((mf) => mf.path === f.path));
  for (const file of m.files) {
    const expected = m.chunks.slice(file.first_chunk, file.first_chunk + file.chunk_count);
    const found: InputFile | undefined = single ? files[0] : byPath.get(file.path);
    if (!found) return { name: "input", ok: false, detail: `${describeChunk(expected[0])} differs: ${file.path} is missing from the input` };
    let k = 0;
    for await (const chunk of hashChunks(found.absolute, m.chunk_size, onBytes)) {
      const want = expected[k];
      if (!want) return { name: "input", ok: false, detail: `${found.path} is longer than anchored: bytes from ${chunk.offset} are not in the manifest (after ${describeChunk(expected[k - 1])})` };
      if (chunk.hash !== want.hash) return { name: "input", ok: false, detail: `${describeChunk(want)} differs: manifest ${want.hash}, input ${chunk.hash}` };
      k++;
    }
    if (k < expected.length) return { name: "input", ok: false, detail: `${describeChunk(expected[k])} differs: ${found.path} ends before it` };
  }
  if (extra.length > 0) return { name: "input", ok: false, detail: `the input has files the manifest does not list: ${extra.map((f) => f.path).join(", ")}` };
  return { name: "input", ok: true, detail: `all ${m.chunk_count} chunks (${m.total_bytes} bytes in ${m.files.length} files) match` };
}

/** Compares one chunk held in its own file with chunk `index` of the manifest. */
export async function compareChunk(m: SessionManifest, chunkFile: string, index: number): Promise<CheckResult> {
  const want = m.chunks[index];
  if (!want) return { name: "chunk", ok: false, detail: `the manifest has chunks 0 to ${m.chunk_count - 1}, not ${index}` };
  const [file] = await listInput(chunkFile);
  if (file.size > m.chunk_size) return { name: "chunk", ok: false, detail: `${describeChunk(want)} differs: ${chunkFile} is ${file.size} bytes, more than a chunk (${m.chunk_size})` };
  let hash = "";
  for await (const chunk of hashChunks(chunkFile, Math.max(file.size, 1))) hash = chunk.hash;
  return hash === want.hash
    ? { name: "chunk", ok: true, detail: `${chunkFile} is ${describeChunk(want)}` }
    : { name: "chunk", ok: false, detail: `${describeChunk(want)} differs: manifest ${want.hash}, ${chunkFile} ${hash}` };
}

/** The record on ProofRecorder matches the manifest, and the contract accepts the given chunks' proofs. */
export async function checkOnChain(m: SessionManifest, chain: RecorderChain, chunkIndexes: number[]): Promise<CheckResult[]> {
  const s = await chain.getSession(m.session_key);
  const where = `chain ${chain.target.chainId} at ${chain.target.contract}`;
  if (s.registeredAt === 0) return [{ name: "registered", ok: false, detail: `session ${m.session_key} is not registered on ${where}` }];
  const same =
    s.manifestHash.toLowerCase() === m.manifest_hash &&
    s.merkleRoot.toLowerCase() === m.root &&
    s.chunkCount === m.chunk_count &&
    s.startedAt === m.started_at &&
    getAddress(s.owner) === getAddress(m.owner);
  const checks: CheckResult[] = [
    {
      name: "registered",
      ok: same,
      detail: same
        ? `on ${where} since ${new Date(s.registeredAt * 1000).toISOString()} (manifest hash, root, ${s.chunkCount} chunks, owner, start time match)`
        : `the record on ${where} differs: manifest hash ${s.manifestHash}, root ${s.merkleRoot}, ${s.chunkCount} chunks, owner ${s.owner}, started ${s.startedAt}`,
    },
  ];
  for (const index of chunkIndexes) {
    const c = m.chunks[index];
    if (!c) continue; // an index outside the manifest is reported by compareChunk
    const ok = await chain.verifySessionChunk(m.session_key, c.hash, c.proof, c.index);
    checks.push({ name: "verifySessionChunk", ok, detail: ok ? `the contract accepts ${describeChunk(c)}` : `the contract refuses ${describeChunk(c)}` });
  }
  return checks;
}
