// Hashes one file as session:anchor does and prints its chunk count and this process's peak
// memory, for the flat-memory test (run in its own process so the figure is its own).
import { hashFiles } from "../../src/session/manifest.ts";
import { listInput } from "../../src/session/chunks.ts";

const [path, chunkSize] = process.argv.slice(2);
const { chunks } = await hashFiles(await listInput(path), Number(chunkSize));
console.log(JSON.stringify({ chunks: chunks.length, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
