import { COSIGNATURE_V1, ED25519, generateSignerKey, parseSignerKey, verifierKeyOf } from "../../src/log/note.ts";
import { userError, userFacing } from "../errors.ts";
import type { logKeygenTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

type Args = TaskArgs<typeof logKeygenTask>;

/** Prints a new log key: the signer key for the keystore, and the verifier key to publish. */
export default async function keygen({ origin, cosigner }: Args): Promise<void> {
  if (!origin) throw userError(`--origin: give the ${cosigner ? "witness's" : "log's"} name, a schema-less URL such as example.com/${cosigner ? "witness" : "log"}${cosigner ? "" : " (it is the first line of every checkpoint)"}`);
  await userFacing(async () => {
    const signerKey = generateSignerKey(origin, cosigner ? COSIGNATURE_V1 : ED25519);
    const verifierKey = verifierKeyOf(parseSignerKey(signerKey));
    const secret = cosigner ? "WITNESS_KEY" : "KPPE_LOG_KEY";
    process.stderr.write(
      `A new ${cosigner ? "witness (cosigner)" : "log"} key. Keep the signer key secret: store it in Hardhat's keystore, then clear your terminal.\n` +
        `  npx hardhat keystore set ${secret}     (paste the signer key when asked)\n` +
        `Publish the verifier key: ${cosigner ? "logs and verifiers list it among the witnesses they trust" : "receipts and checkpoints are checked against it"}.\n\n`,
    );
    process.stdout.write(`signer key:   ${signerKey}\nverifier key: ${verifierKey}\n`);
  });
}
