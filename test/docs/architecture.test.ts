import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

// The house rules of docs/architecture.md, read from the code: which folder of src/ imports which
// (type-only imports included), against the table's "may import" column, and no cycle.
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SRC = join(ROOT, "src");
const FOLDERS = readdirSync(SRC, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? filesUnder(join(dir, d.name)) : d.name.endsWith(".ts") ? [join(dir, d.name)] : []));
}

/** folder -> the other folders of src/ its files import from. */
function importsByFolder(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>(FOLDERS.map((f) => [f, new Set()]));
  for (const file of filesUnder(SRC)) {
    const [from] = relative(SRC, file).split("/");
    for (const [, specifier] of readFileSync(file, "utf8").matchAll(/from "(\.[^"]+)"/g)) {
      const [to, ...rest] = relative(SRC, normalize(join(file, "..", specifier))).split("/");
      if (rest.length > 0 && to !== from && FOLDERS.includes(to)) edges.get(from)?.add(to);
    }
  }
  return edges;
}

/** folder -> the folders its row allows; undefined for a row that allows everything below it or names no folder list. */
function allowedByTable(): Map<string, Set<string> | undefined> {
  const table = readFileSync(join(ROOT, "docs/architecture.md"), "utf8").split("\n").filter((l) => l.startsWith("| `"));
  const allowed = new Map<string, Set<string> | undefined>();
  for (const row of table) {
    const [, folders, , mayImport] = row.split("|");
    const named = [...folders.matchAll(/`([a-z]+)\/`/g)].map((m) => m[1]);
    const list = /everything|no server code/.test(mayImport) ? undefined : new Set(FOLDERS.filter((f) => new RegExp(`\\b${f}\\b`).test(mayImport)));
    for (const folder of named) allowed.set(folder, list);
  }
  return allowed;
}

describe("docs/architecture.md: the folders and what each may import", function () {
  const edges = importsByFolder();

  it("every folder of src/ has a row, and imports only what its row allows", function () {
    const allowed = allowedByTable();
    const problems: string[] = [];
    for (const [folder, imports] of edges) {
      if (!allowed.has(folder)) {
        problems.push(`src/${folder}/ has no row`);
        continue;
      }
      const list = allowed.get(folder);
      for (const to of imports) if (list && !list.has(to)) problems.push(`src/${folder}/ imports src/${to}/, which its row does not list`);
    }
    assert.deepEqual(problems, []);
  });

  it("no folder imports one that depends on it (no cycle), and nothing imports gateway/ or keeper/", function () {
    const cycles: string[] = [];
    const visit = (folder: string, path: string[]) => {
      for (const next of edges.get(folder) ?? []) {
        if (path.includes(next)) cycles.push([...path.slice(path.indexOf(next)), next].join(" -> "));
        else visit(next, [...path, next]);
      }
    };
    for (const folder of FOLDERS) visit(folder, [folder]);
    assert.deepEqual(cycles, []);
    for (const [folder, imports] of edges) {
      assert.ok(!imports.has("gateway") && !imports.has("keeper"), `src/${folder}/ imports gateway/ or keeper/`);
    }
  });
});
