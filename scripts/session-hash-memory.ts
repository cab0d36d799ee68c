// Hashes an input as session:anchor does and prints its chunk count and this process's peak
// memory (test/session runs it in its own process so the figure is its own).
// Usage: node scripts/session-hash-memory.ts <file or directory> [chunk size in bytes]
import { hashFiles } from "../src/session/manifest.ts";
import { DEFAULT_CHUNK_SIZE, listInput } from "../src/session/chunks.ts";

const [path, chunkSize = String(DEFAULT_CHUNK_SIZE)] = process.argv.slice(2);
if (!path) {
  console.error("usage: node scripts/session-hash-memory.ts <file or directory> [chunk size in bytes]");
  process.exit(2);
}
const { chunks } = await hashFiles(await listInput(path), Number(chunkSize));
console.log(JSON.stringify({ chunks: chunks.length, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
