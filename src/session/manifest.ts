import { getAddress, isHexString, keccak256, toUtf8Bytes } from "ethers";
import { clientHash } from "../hashing/canonical.ts";
import { KppeError } from "../errors.ts";
import { KppeTree } from "../merkle/kppeTree.ts";
import { DEFAULT_MAX_LEAVES } from "../merkle/limits.ts";
import { hashChunks, type InputFile } from "./chunks.ts";

export const MANIFEST_FORMAT = "lucid-session-manifest/1";

export interface ManifestFile {
  path: string;
  size: number;
  first_chunk: number;
  chunk_count: number;
}

export interface ManifestChunk {
  index: number;
  /** The file's `path`. */
  file: string;
  offset: number;
  size: number;
  hash: string;
  /** Sibling path to `root` (K-PPE padded keccak tree, exactly `tree_depth` long). */
  proof: string[];
}

/** Where and when the session was registered; added after `registerSession`, not covered by `manifest_hash`. */
export interface ManifestAnchor {
  chain_id: number;
  /** ProofRecorder address. */
  contract: string;
  tx_hash: string;
  block_number: number;
  registered_at: string;
}

export interface SessionManifest {
  format: typeof MANIFEST_FORMAT;
  /** The session's name as given. */
  session_id: string;
  /** The `sessionId` on chain: `session_id` itself when it is 0x + 64 hex, else keccak256 of its UTF-8 bytes. */
  session_key: string;
  owner: string;
  /** Unix seconds. */
  started_at: number;
  chunk_size: number;
  /** The K-PPE tree over the chunk hashes in order (zero-padded to a power of two, sorted pairs). */
  root: string;
  tree_depth: number;
  chunk_count: number;
  total_bytes: number;
  files: ManifestFile[];
  chunks: ManifestChunk[];
  /** keccak256 of the RFC 8785 JSON of every other field except `anchor`. */
  manifest_hash: string;
  anchor?: ManifestAnchor;
}

/** The bytes32 `sessionId` of a session name. */
export function sessionKey(sessionId: string): string {
  if (!sessionId || sessionId.length > 256) throw new KppeError("BAD_SESSION_ID", `session id: expected 1 to 256 characters, got ${JSON.stringify(sessionId)}`);
  if (isHexString(sessionId, 32) && !/^0x0{64}$/.test(sessionId)) return sessionId.toLowerCase();
  return keccak256(toUtf8Bytes(sessionId));
}

/** keccak256 over the RFC 8785 JSON of the manifest without `manifest_hash` and `anchor` (the client-hash rule). */
export function manifestHash(manifest: Omit<SessionManifest, "manifest_hash" | "anchor"> & { manifest_hash?: string; anchor?: unknown }): string {
  const { manifest_hash: _hash, anchor: _anchor, ...hashed } = manifest;
  return clientHash(hashed);
}

/** Hashes every file chunk by chunk (streamed), in order, calling `onBytes` as bytes are read. */
export async function hashFiles(files: InputFile[], chunkSize: number, onBytes?: (bytes: number) => void) {
  const manifestFiles: ManifestFile[] = [];
  const chunks: Omit<ManifestChunk, "proof">[] = [];
  for (const file of files) {
    const first = chunks.length;
    for await (const chunk of hashChunks(file.absolute, chunkSize, onBytes)) chunks.push({ index: chunks.length, file: file.path, ...chunk });
    manifestFiles.push({ path: file.path, size: file.size, first_chunk: first, chunk_count: chunks.length - first });
  }
  return { files: manifestFiles, chunks };
}

/** The manifest of hashed files: tree, proofs and manifest hash. */
export function buildManifest(options: {
  sessionId: string;
  owner: string;
  startedAt: number;
  chunkSize: number;
  files: ManifestFile[];
  chunks: Omit<ManifestChunk, "proof">[];
}): SessionManifest {
  const { chunks } = options;
  if (chunks.length > DEFAULT_MAX_LEAVES) throw new KppeError("TOO_MANY_CHUNKS", `${chunks.length} chunks: at most ${DEFAULT_MAX_LEAVES}; use a larger --chunk-size`);
  const tree = KppeTree.fromHex(
    chunks.map((c) => c.hash),
    { maxLeaves: DEFAULT_MAX_LEAVES },
  );
  const body = {
    format: MANIFEST_FORMAT,
    session_id: options.sessionId,
    session_key: sessionKey(options.sessionId),
    owner: getAddress(options.owner),
    started_at: options.startedAt,
    chunk_size: options.chunkSize,
    root: tree.root,
    tree_depth: tree.depth,
    chunk_count: chunks.length,
    total_bytes: options.files.reduce((n, f) => n + f.size, 0),
    files: options.files,
    chunks: chunks.map((c) => ({ ...c, proof: tree.proof(c.index) })),
  } as const;
  return { ...body, manifest_hash: manifestHash(body) };
}
