import type { CheckResult } from "../src/receipt/verify.ts";
import { checkLine, verdictOf } from "../src/receipt/verdict.ts";

/**
 * Prints one line per check (ok, FAIL, or skip with why), then the verdict: NOT VERIFIED with
 * the failed checks (exit code 1); VERIFIED with `verified` only when every check was made; and
 * otherwise VERIFIED EXCEPT, naming what was not checked (a skipped check never counts as passed).
 */
export function reportChecks(checks: CheckResult[], verified: string): void {
  for (const check of checks) console.log(checkLine(check));
  const verdict = verdictOf(checks, verified);
  console.log(verdict.line);
  if (verdict.status === "not-verified") process.exitCode = 1;
}
