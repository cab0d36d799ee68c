import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Every folder tempDirectory made and nobody removed yet: removed when the test process exits. */
const made = new Set<string>();
process.once("exit", () => {
  for (const directory of made) rmSync(directory, { recursive: true, force: true });
});

/** A new folder in the system's temporary folder, its name `prefix` and six random characters; removed when the test process exits. */
export function tempDirectory(prefix: string): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  made.add(directory);
  return directory;
}

/** Removes a folder tempDirectory made, now rather than at exit (a large ledger). */
export function removeTempDirectory(directory: string): void {
  rmSync(directory, { recursive: true, force: true });
  made.delete(directory);
}
