import { configVariable } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

/**
 * Reads a secret the way Hardhat resolves configuration variables: the keystore plugin first
 * (`npx hardhat keystore set NAME`), then the environment. Undefined when neither has it.
 */
export async function readSecret(hre: HardhatRuntimeEnvironment, name: string): Promise<string | undefined> {
  try {
    return await hre.hooks.runHandlerChain("configurationVariables", "fetchValue", [configVariable(name)], async (_context, variable) => {
      const value = process.env[variable.name];
      if (value === undefined) throw new Error(`${variable.name} is not set`);
      return value;
    });
  } catch {
    return undefined;
  }
}
