import { verifyMessage } from "ethers";
import { canonicalJson } from "../hashing/canonical.ts";

/**
 * A storage node's signed statement that it holds the ledger up to `fifo_sequence`, whose entry
 * hashes to `event_hash`. Through the hash chain that fixes every earlier entry too.
 * The signature is EIP-191 (`personal_sign`) over the RFC 8785 JSON of the other fields, and the
 * signer's address is the node's id.
 */
export interface Commitment {
  event_hash: string;
  fifo_sequence: number;
  store_node_id: string;
  store_timestamp: string;
  signature: string;
}

function signedText(c: Omit<Commitment, "signature">): string {
  const { event_hash, fifo_sequence, store_node_id, store_timestamp } = c;
  return canonicalJson({ event_hash, fifo_sequence, store_node_id, store_timestamp });
}

/** What signing a commitment needs: an ethers Wallet or HDNodeWallet fits. */
export interface MessageSigner {
  readonly address: string;
  signMessage(message: string): Promise<string>;
}

export async function signCommitment(wallet: MessageSigner, head: { fifo_sequence: number; event_hash: string }): Promise<Commitment> {
  const unsigned = { ...head, store_node_id: wallet.address, store_timestamp: new Date().toISOString() };
  return { ...unsigned, signature: await wallet.signMessage(signedText(unsigned)) };
}

/** True when `signature` was made by `store_node_id` over the other fields. */
export function commitmentSignedByNode(c: Commitment): boolean {
  try {
    return verifyMessage(signedText(c), c.signature).toLowerCase() === c.store_node_id.toLowerCase();
  } catch {
    return false;
  }
}
