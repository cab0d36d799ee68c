import { ed25519 } from "@noble/curves/ed25519.js";
import { KppeError } from "../errors.ts";
import { toHex } from "../hashing/hex.ts";
import { COSIGNATURE_V1, openCheckpoint, parseNote, toBase64, type Checkpoint, type NoteSigner, type NoteVerifier } from "./note.ts";

// C2SP tlog-cosignature v1 (Ed25519, signature type 0x04): a witness's statement that, as of its
// timestamp, the checkpoint is the largest consistent tree head it has observed for the log.
// The signed message is "cosignature/v1\ntime <timestamp>\n" followed by the checkpoint's note
// text; the signature line carries base64(key ID || u64 big-endian timestamp || signature).

const hex = (bytes: Uint8Array) => toHex(bytes).slice(2);

function message(checkpointText: string, timestamp: number): Uint8Array {
  return new TextEncoder().encode(`cosignature/v1\ntime ${timestamp}\n${checkpointText}`);
}

/** The witness's signature line over `checkpointText` (a checkpoint's note text, ending in a newline). */
export function cosign(checkpointText: string, witness: NoteSigner, timestamp = Math.floor(Date.now() / 1000)): string {
  if (witness.type !== COSIGNATURE_V1) throw new KppeError("BAD_NOTE_KEY", `${witness.name}: cosignatures need a type 0x04 key (generateSignerKey(name, COSIGNATURE_V1))`);
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new KppeError("BAD_TIMESTAMP", `cosignature timestamp ${timestamp}: expected a non-negative integer`);
  const time = new Uint8Array(8);
  new DataView(time.buffer).setBigUint64(0, BigInt(timestamp));
  const signature = ed25519.sign(message(checkpointText, timestamp), witness.seed);
  return `\u2014 ${witness.name} ${toBase64(Uint8Array.of(...witness.keyId, ...time, ...signature))}\n`;
}

export interface Cosigned {
  checkpoint: Checkpoint;
  /** The witnesses whose cosignatures verified, with each one's timestamp. */
  cosigners: Array<{ name: string; timestamp: number }>;
}

/**
 * Opens a checkpoint signed by the log key and cosigned by witnesses: the log's signature must
 * verify, and at least `threshold` distinct witnesses of `witnesses` (the verifier's own list)
 * must have cosigned it. A line of a listed witness that does not verify rejects the note, as
 * C2SP signed-note asks; lines of other keys are ignored. Throws KppeError naming what is short.
 */
export function openCosigned(note: string, logKey: NoteVerifier, witnesses: readonly NoteVerifier[], threshold: number): Cosigned {
  const checkpoint = openCheckpoint(note, logKey);
  const { text, signatures } = parseNote(note);
  const cosigners: Cosigned["cosigners"] = [];
  const counted = new Set<string>(); // one count per witness key, however often it is listed or has signed
  for (const witness of witnesses) {
    if (witness.type !== COSIGNATURE_V1) throw new KppeError("BAD_NOTE_KEY", `witness ${witness.name}: expected a cosigner key (type 0x04)`);
    const lines = signatures.filter((s) => s.name === witness.name && hex(s.keyId) === hex(witness.keyId));
    for (const line of lines) {
      if (line.signature.length !== 72) throw new KppeError("COSIGNATURE_INVALID", `the cosignature of ${witness.name} is ${line.signature.length} bytes, expected 72`);
      const timestamp = Number(new DataView(line.signature.buffer, line.signature.byteOffset, 8).getBigUint64(0));
      if (!ed25519.verify(line.signature.subarray(8), message(text, timestamp), witness.publicKey, { zip215: false })) {
        throw new KppeError("COSIGNATURE_INVALID", `the cosignature of ${witness.name} does not verify: the checkpoint was changed or cosigned by another key`);
      }
      if (!counted.has(hex(witness.publicKey))) {
        counted.add(hex(witness.publicKey));
        cosigners.push({ name: witness.name, timestamp });
      }
    }
  }
  if (cosigners.length < threshold) {
    throw new KppeError(
      "COSIGNATURES_SHORT",
      `${cosigners.length} of the ${witnesses.length} trusted witnesses cosigned this checkpoint (${cosigners.map((c) => c.name).join(", ") || "none"}); ${threshold} are required`,
    );
  }
  return { checkpoint, cosigners };
}
