import assert from "node:assert/strict";

/** The in-process chain reports a revert as "reverted with custom error 'Name(args)'": its name and arguments. */
export function customError(error: unknown): { name?: string; args?: string } {
  const match = /custom error '(\w+)\((.*)\)'/.exec((error as Error).message);
  return { name: match?.[1], args: match?.[2] };
}

/** Asserts that `promise` reverts with the custom error `name` (and, when given, exactly these arguments as the chain prints them). */
export function revertsWith(promise: Promise<unknown>, name: string, args?: string): Promise<void> {
  return assert.rejects(promise, (error: unknown) => {
    const got = customError(error);
    assert.equal(got.name, name, (error as Error).message);
    if (args !== undefined) assert.equal(got.args, args);
    return true;
  });
}
