import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { anchorTasks, ledgerTasks, logTasks, poeTasks, pootTasks, sessionTasks } from "../../tasks/index.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PAGES = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

/** Hardhat's own options, valid with any task. */
const GLOBAL_OPTIONS = new Set(["network", "help", "config", "show-stack-traces", "verbosity", "build-profile", "coverage", "no-typechain", "gas-stats", "gas-stats-json"]);
/** Hardhat's and its plugins' tasks the docs use as documented upstream; only ours are checked here. */
const UPSTREAM_TASKS = new Set(["node", "ignition", "keystore", "verify", "test", "compile", "run", "build"]);

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Each of our tasks and the options it takes (kebab-case, as typed). */
const DEFINITIONS = [...anchorTasks, ...ledgerTasks, ...logTasks, ...poeTasks, ...sessionTasks, ...pootTasks] as unknown as Array<{ id: string[]; description: string; options: Record<string, unknown> }>;
const TASKS = new Map<string, Set<string>>(DEFINITIONS.map(({ id, options }) => [id.join(" "), new Set(Object.keys(options).map(kebab))]));

/** What is wrong with `npx hardhat …` as written in `page`: an unknown task or option; none for Hardhat's own tasks. */
function problemsOf(page: string, command: string): string[] {
  const words = command.split(/\s+/).slice(2);
  const name = words[0];
  if (!name || name.startsWith("-") || UPSTREAM_TASKS.has(name) || name === "<task>") return [];
  const options = TASKS.get(name);
  if (!options) return [`${page}: \`${command}\`: no task ${name}`];
  return words
    .slice(1)
    .map((word) => /^--([a-z][a-z0-9-]*)/.exec(word)?.[1])
    .filter((option): option is string => option !== undefined && !options.has(option) && !GLOBAL_OPTIONS.has(option))
    .map((option) => `${page}: \`${command}\`: ${name} has no --${option}`);
}

/** Every `<prefix> …` command in the docs: one per line of a code block, or in inline code. */
function commands(prefix: string): Array<{ page: string; command: string }> {
  const found: Array<{ page: string; command: string }> = [];
  for (const page of PAGES) {
    const text = readFileSync(join(ROOT, page), "utf8");
    const blocks = [...text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].flatMap((m) => m[1].split("\n"));
    const inline = [...text.replace(/```[\s\S]*?```/g, "").matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
    for (const candidate of [...blocks, ...inline]) {
      // A command starts the line or span (after any VAR=value), or follows && or $(.
      for (const match of candidate.matchAll(new RegExp(`(?:^\\s*(?:[A-Z_]+=\\S*\\s+)*|&&\\s*|\\$\\()(${prefix} [^#\`|;&)"']*)`, "g"))) found.push({ page, command: match[1].trim() });
    }
  }
  return found;
}

// A command in the docs that names a task or an option that does not exist fails here, so the
// docs cannot drift from the tasks. (docs/local.md's commands are also run: localFlow.test.ts.)
describe("the commands in README.md and docs/ name real tasks and options", function () {
  it("npx hardhat: every task is one of ours (or Hardhat's), every option one it takes", function () {
    const documented = commands("npx hardhat");
    const problems = documented.flatMap(({ page, command }) => problemsOf(page, command));
    assert.ok(documented.length > 50, `found ${documented.length} commands`);
    assert.deepEqual(problems, []);
  });

  it("the examples in the tasks' --help name real tasks and options too", function () {
    const examples = DEFINITIONS.flatMap(({ id, description }) => [...description.matchAll(/Example: (npx hardhat [^(]*?)(?: \(|$)/g)].map((m) => ({ page: `${id.join(" ")} --help`, command: m[1].trim() })));
    assert.ok(examples.length >= 15, `found ${examples.length} examples`);
    assert.deepEqual(examples.flatMap(({ page, command }) => problemsOf(page, command)), []);
  });

  it("kppe: every command and option is one the kppe command takes (from its --help)", async function () {
    this.timeout(60_000);
    const run = promisify(execFile);
    const problems: string[] = [];
    const help = new Map<string, string>();
    for (const { page, command } of commands("kppe")) {
      const [name, ...rest] = command.split(/\s+/).slice(1);
      if (!/^[a-z]+$/.test(name ?? "")) continue;
      if (!help.has(name)) {
        const usage = await run(process.execPath, ["--no-warnings", join(ROOT, "src/cli/kppe.ts"), name, "--help"]).then((r) => r.stdout, () => "");
        help.set(name, usage);
      }
      const usage = help.get(name)!;
      if (!usage) {
        problems.push(`${page}: \`${command}\`: no kppe command ${name}`);
        continue;
      }
      for (const word of rest) {
        const option = /^--([a-z][a-z0-9-]*)/.exec(word)?.[1];
        if (option && option !== "help" && !usage.includes(`--${option}`)) problems.push(`${page}: \`${command}\`: kppe ${name} has no --${option}`);
      }
    }
    assert.ok(help.size >= 4, `found kppe commands: ${[...help.keys()]}`);
    assert.deepEqual(problems, []);
  });
});
