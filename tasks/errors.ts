import { HardhatPluginError } from "hardhat/plugins";
import { KppeError } from "../src/errors.ts";

const PLUGIN_ID = "kppe-anchor";

/** A failure the user can fix (bad input, a service not running): one line, no stack trace. */
export function userError(message: string, cause?: Error): HardhatPluginError {
  return new HardhatPluginError(PLUGIN_ID, message, cause);
}

/** Runs a task body, showing our own validation errors as user errors; anything else stays a crash with its stack. */
export async function userFacing<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof KppeError) throw userError(error.message, error);
    throw error;
  }
}
