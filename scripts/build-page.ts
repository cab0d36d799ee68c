// Writes the receipt verifier page to a folder any static host can serve:
//   npm run build:page [-- <folder>]      (default dist/verify)
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildVerifierPage } from "../src/page/build.ts";

const folder = process.argv[2] ?? "dist/verify";
const page = await buildVerifierPage();
await mkdir(folder, { recursive: true });
for (const [name, content] of Object.entries(page)) await writeFile(join(folder, name), content);
const script = page["verify.js"];
console.log(`verifier page written to ${folder}/ (index.html, verify.js: ${script.length} B, ${gzipSync(script).length} B gzipped)`);
