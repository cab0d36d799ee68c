import type { CheckResult } from "./verify.ts";

export type VerdictStatus = "verified" | "verified-except" | "not-verified";

export interface Verdict {
  status: VerdictStatus;
  failed: string[];
  /** Checks that were not made: never counted as passed. */
  skipped: string[];
  /** One line: NOT VERIFIED with what failed; VERIFIED only when every check was made; otherwise VERIFIED EXCEPT, naming what was not checked. */
  line: string;
}

/** The verdict over `checks`; `verified` says what a full pass proves. */
export function verdictOf(checks: CheckResult[], verified: string): Verdict {
  const failed = checks.filter((c) => !c.ok && !c.skipped).map((c) => c.name);
  const skipped = checks.filter((c) => c.skipped).map((c) => c.name);
  if (failed.length > 0) return { status: "not-verified", failed, skipped, line: `NOT VERIFIED: ${failed.join(", ")} failed` };
  if (skipped.length > 0) return { status: "verified-except", failed, skipped, line: `VERIFIED EXCEPT what was not checked (${skipped.join(", ")}): ${verified}` };
  return { status: "verified", failed, skipped, line: `VERIFIED: ${verified}` };
}

/** One line per check: ok, FAIL, or skip with why. */
export function checkLine(check: CheckResult): string {
  return `${check.skipped ? "skip" : check.ok ? "ok  " : "FAIL"}  ${check.name.padEnd(22)} ${check.detail}`;
}
