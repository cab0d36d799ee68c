import { generateSignerKey, parseSignerKey, verifierKeyOf } from "../../src/log/note.ts";
import { userError, userFacing } from "../errors.ts";

interface Args {
  origin: string;
}

/** Prints a new log key: the signer key for the keystore, and the verifier key to publish. */
export default async function keygen({ origin }: Args): Promise<void> {
  if (!origin) throw userError("--origin: give the log's name, a schema-less URL such as example.com/log (it is the first line of every checkpoint)");
  await userFacing(async () => {
    const signerKey = generateSignerKey(origin);
    const verifierKey = verifierKeyOf(parseSignerKey(signerKey));
    process.stderr.write(
      "A new log key. Keep the signer key secret: store it in Hardhat's keystore, then clear your terminal.\n" +
        "  npx hardhat keystore set KPPE_LOG_KEY     (paste the signer key when asked)\n" +
        "Publish the verifier key: receipts and checkpoints are checked against it.\n\n",
    );
    process.stdout.write(`signer key:   ${signerKey}\nverifier key: ${verifierKey}\n`);
  });
}
