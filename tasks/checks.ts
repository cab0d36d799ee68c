import { failedChecks, type CheckResult } from "../src/receipt/verify.ts";

/**
 * Prints one line per check (ok, FAIL, or skip with why), then the verdict: NOT VERIFIED with
 * the failed checks (exit code 1); VERIFIED with `verified` only when every check was made; and
 * otherwise VERIFIED EXCEPT, naming what was not checked (a skipped check never counts as passed).
 */
export function reportChecks(checks: CheckResult[], verified: string): void {
  for (const check of checks) console.log(`${check.skipped ? "skip" : check.ok ? "ok  " : "FAIL"}  ${check.name.padEnd(22)} ${check.detail}`);
  const failed = failedChecks(checks);
  const skipped = checks.filter((c) => c.skipped).map((c) => c.name);
  if (failed.length > 0) {
    console.log(`NOT VERIFIED: ${failed.map((c) => c.name).join(", ")} failed`);
    process.exitCode = 1;
  } else if (skipped.length > 0) {
    console.log(`VERIFIED EXCEPT what was not checked (${skipped.join(", ")}): ${verified}`);
  } else {
    console.log(`VERIFIED: ${verified}`);
  }
}
