import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { logSignerWallet } from "../../src/log/logSigner.ts";
import { parseSignerKey, verifierKeyOf } from "../../src/log/note.ts";
import { userError, userFacing } from "../errors.ts";
import { readSecret } from "../secrets.ts";

/**
 * Prints the verifier key of the log key in KPPE_LOG_KEY (keystore or environment) on stdout,
 * and on stderr the log's on-chain signer derived from it, with the command that sets it.
 */
export default async function key(_args: Record<string, unknown>, hre: HardhatRuntimeEnvironment): Promise<void> {
  const signerKey = await readSecret(hre, "KPPE_LOG_KEY");
  if (!signerKey) throw userError("KPPE_LOG_KEY is not set: make a key with npx hardhat log:keygen --origin <your.domain/log>, then npx hardhat keystore set KPPE_LOG_KEY");
  await userFacing(async () => {
    const signer = parseSignerKey(signerKey);
    process.stdout.write(verifierKeyOf(signer) + "\n");
    const address = logSignerWallet(signer).address;
    process.stderr.write(`log signer (its checkpoints' EIP-712 signatures, evidence on KPPEAnchor): ${address}\nset it as KPPEAnchor's owner: npx hardhat anchor:log-signer --signer ${address} --origin ${signer.name} --network <network>\n`);
  });
}
