import type { CheckResult } from "../src/receipt/verify.ts";

/** Prints one line per check, then VERIFIED with `verified` or NOT VERIFIED with the failed checks (exit code 1). */
export function reportChecks(checks: CheckResult[], verified: string): void {
  for (const check of checks) console.log(`${check.ok ? "ok  " : "FAIL"}  ${check.name.padEnd(20)} ${check.detail}`);
  const failed = checks.filter((c) => !c.ok);
  if (failed.length > 0) {
    console.log(`NOT VERIFIED: ${failed.map((c) => c.name).join(", ")} failed`);
    process.exitCode = 1;
  } else {
    console.log(`VERIFIED: ${verified}`);
  }
}
