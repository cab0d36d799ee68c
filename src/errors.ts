/**
 * The one error base class of the project: a short message that names the bad value and says
 * what to do, a machine-readable `code`, and optional `details` and `cause`.
 */
export class KppeError extends Error {
  readonly code: string;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "KppeError";
    this.code = code;
    this.details = options.details;
  }
}
