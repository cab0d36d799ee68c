import { concat, getBytes, hexlify, keccak256, recoverAddress, toUtf8Bytes, TypedDataEncoder, Wallet } from "ethers";
import { keyIdOf as noteKeyIdOf, parseCheckpoint, parseNote, toBase64, UNASSIGNED, type NoteSigner } from "./note.ts";

// The log's on-chain identity. Base has no Ed25519 precompile, so KPPEAnchor cannot check the
// log key's note signatures for a few thousand gas; instead each checkpoint note also carries a
// secp256k1 signature over the EIP-712 message KPPEAnchor checks (`logCheckpointDigest`), by a
// key derived from the log key. A split view shown to two readers is then evidence the contract
// acts on (`reportEquivocation`).

/** The EIP-712 checkpoint message (the witnesses sign the same type in the contract's own domain). */
export const CHECKPOINT_TYPES = { Checkpoint: [{ name: "origin", type: "string" }, { name: "size", type: "uint64" }, { name: "root", type: "bytes32" }] };
/** No chain id or contract: a statement about the log holds on every chain that knows its signer. */
export const LOG_DOMAIN = { name: "KPPE log", version: "1" };
/** C2SP signed-note type 0xff ("no identifier byte assigned"), followed by this identifier. */
const SIGNATURE_TYPE = "kppe.dev/eip712-checkpoint-v1";
const DERIVATION_LABEL = "KPPE log signer v1\n";

/** The log signer: a secp256k1 key derived from the log key's seed (whoever holds one holds the other). */
export function logSignerWallet(signer: NoteSigner): Wallet {
  return new Wallet(keccak256(concat([toUtf8Bytes(DERIVATION_LABEL), signer.seed])));
}

/** The EIP-712 digest of (`origin`, `size`, `root`) in the log's domain: what KPPEAnchor recovers. */
export function logCheckpointDigest(origin: string, size: number, root: string): string {
  return TypedDataEncoder.hash(LOG_DOMAIN, CHECKPOINT_TYPES, { origin, size, root });
}

/** The line's key ID: SHA-256(name || 0x0A || 0xff || identifier || 20-byte address)[:4] (note.ts `keyIdOf`). */
function keyIdOf(name: string, address: string): Uint8Array {
  return noteKeyIdOf(name, getBytes(concat([toUtf8Bytes(SIGNATURE_TYPE), address])), UNASSIGNED);
}

/** `note` (a signed checkpoint) with one more signature line: the log signer's, under the log key's name. */
export function addLogSignature(note: string, wallet: Wallet): string {
  const { origin, size, root } = parseCheckpoint(parseNote(note).text);
  const signature = wallet.signingKey.sign(logCheckpointDigest(origin, size, root)).serialized;
  return `${note}\u2014 ${origin} ${toBase64(getBytes(concat([keyIdOf(origin, wallet.address), signature])))}\n`;
}

/**
 * The log signer's 65-byte signature (0x hex) in `note` when `address` signed the note's
 * checkpoint; undefined when the note carries none, or one that does not recover to `address`.
 */
export function logSignatureOf(note: string, address: string): string | undefined {
  const { text, signatures } = parseNote(note);
  const { origin, size, root } = parseCheckpoint(text);
  const keyId = toBase64(keyIdOf(origin, address));
  for (const line of signatures) {
    if (line.name !== origin || toBase64(line.keyId) !== keyId || line.signature.length !== 65) continue;
    const hex = hexlify(line.signature);
    try {
      if (recoverAddress(logCheckpointDigest(origin, size, root), hex).toLowerCase() === address.toLowerCase()) return hex;
    } catch {
      // not a valid secp256k1 signature: as if absent
    }
  }
  return undefined;
}
