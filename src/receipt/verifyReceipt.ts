import type { Provider } from "ethers";
import { verifyOnChain, type TrustedAnchor } from "./onchain.ts";
import { receiptVerification, type ReceiptVerification } from "./verdict.ts";
import { verifyReceiptOffline, type CheckResult, type OfflineOptions } from "./verify.ts";

export type { ReceiptVerification } from "./verdict.ts";

export interface ReceiptVerifyOptions extends OfflineOptions {
  /** Where to check the anchoring: a read-only provider and the KPPEAnchor the verifier trusts. Absent: not checked on chain (reported as such). */
  chain?: TrustedAnchor & { provider: Provider };
}

/** Every check of a receipt, offline and (given `chain`) on chain, with the verdict. */
export async function verifyReceipt(input: string | unknown, options: ReceiptVerifyOptions = {}): Promise<ReceiptVerification> {
  const offline = verifyReceiptOffline(input, options);
  if (!options.chain) return receiptVerification(offline);
  let onChain: CheckResult[];
  try {
    onChain = await verifyOnChain(offline.receipt, options.chain.provider, options.chain);
  } catch (error) {
    onChain = [{ name: "on chain", ok: false, detail: `could not read the chain: ${(error as Error).message.split("\n")[0]}` }];
  }
  return receiptVerification(offline, onChain);
}
