import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { parseSignerKey, verifierKeyOf } from "../../src/log/note.ts";
import { userError, userFacing } from "../errors.ts";
import { readSecret } from "../secrets.ts";

/** Prints the verifier key of the log key in KPPE_LOG_KEY (keystore or environment). */
export default async function key(_args: Record<string, unknown>, hre: HardhatRuntimeEnvironment): Promise<void> {
  const signerKey = await readSecret(hre, "KPPE_LOG_KEY");
  if (!signerKey) throw userError("KPPE_LOG_KEY is not set: make a key with npx hardhat log:keygen --origin <your.domain/log>, then npx hardhat keystore set KPPE_LOG_KEY");
  await userFacing(async () => process.stdout.write(verifierKeyOf(parseSignerKey(signerKey)) + "\n"));
}
