import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { KppeError } from "../errors.ts";
import { hex32ToBytes, toHex } from "../hashing/hex.ts";

// C2SP signed-note (c2sp.org/signed-note) with Ed25519 keys, and C2SP tlog-checkpoint
// (c2sp.org/tlog-checkpoint) bodies. Key strings use the Go sumdb/note encodings, so keys made
// here work with Go's note package and transparency-dev tools, and theirs work here:
//   verifier key  <name>+<hex key ID>+<base64(0x01 || 32-byte public key)>
//   signer key    PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || 32-byte seed)>
// Pure and browser-safe (@noble/curves, @noble/hashes, atob/btoa).

/** Signature types (C2SP signed-note): Ed25519 note signatures, and timestamped Ed25519 cosignatures (c2sp.org/tlog-cosignature). */
export const ED25519 = 0x01;
export const COSIGNATURE_V1 = 0x04;
export type SignatureType = typeof ED25519 | typeof COSIGNATURE_V1;
/** C2SP signed-note type for signatures without an assigned byte, followed by a longer identifier. */
export const UNASSIGNED = 0xff;
const SIGNATURE_PREFIX = "\u2014 ";
/** Signature lines a note may carry; the spec asks verifiers to accept at least 16. */
const MAX_SIGNATURES = 100;
/** A checkpoint with signatures and a few extension lines is well under this. */
const MAX_NOTE_BYTES = 64 * 1024;

export interface NoteSigner {
  name: string;
  type: SignatureType;
  keyId: Uint8Array;
  seed: Uint8Array;
  publicKey: Uint8Array;
}

export interface NoteVerifier {
  name: string;
  type: SignatureType;
  keyId: Uint8Array;
  publicKey: Uint8Array;
}

function bad(code: string, message: string): never {
  throw new KppeError(code, message);
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function fromBase64(text: string, what: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) bad("BAD_BASE64", `${what}: not standard base64: ${JSON.stringify(text.slice(0, 80))}`);
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function checkName(name: string): void {
  if (name.length === 0 || /[\s+]/u.test(name)) bad("BAD_KEY_NAME", `key name ${JSON.stringify(name)}: must be non-empty, with no spaces or '+'`);
}

/**
 * SHA-256(name || 0x0A || type || public key)[:4], as C2SP signed-note recommends (and
 * tlog-cosignature requires); type 0xff (no byte assigned) puts its identifier before the key.
 */
export function keyIdOf(name: string, publicKey: Uint8Array, type: SignatureType | typeof UNASSIGNED = ED25519): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const input = new Uint8Array(nameBytes.length + 2 + publicKey.length);
  input.set(nameBytes);
  input[nameBytes.length] = 0x0a;
  input[nameBytes.length + 1] = type;
  input.set(publicKey, nameBytes.length + 2);
  return sha256(input).subarray(0, 4);
}

const hex = (bytes: Uint8Array) => toHex(bytes).slice(2);

function keyParts(name: string, idHex: string, material: string, what: string): { type: SignatureType; keyId: Uint8Array; key: Uint8Array } {
  checkName(name);
  if (!/^[0-9a-f]{8}$/.test(idHex)) bad("BAD_NOTE_KEY", `${what}: key ID ${JSON.stringify(idHex)} is not 8 lower-case hex digits`);
  const typed = fromBase64(material, what);
  if (typed.length !== 33 || (typed[0] !== ED25519 && typed[0] !== COSIGNATURE_V1)) {
    bad("BAD_NOTE_KEY", `${what}: expected an Ed25519 key: type 0x01 (signatures) or 0x04 (cosignatures), and 32 bytes`);
  }
  return { type: typed[0] as SignatureType, keyId: Uint8Array.from(idHex.match(/../g)!.map((h) => parseInt(h, 16))), key: typed.subarray(1) };
}

/** Parses a verifier key `<name>+<hex key ID>+<base64(0x01 || public key)>`; refuses a key ID that does not match. */
export function parseVerifierKey(vkey: string): NoteVerifier {
  // The base64 key may itself contain '+': only the first two separate fields.
  const parts = vkey.trim().split("+");
  if (parts.length >= 3) parts.splice(2, parts.length, parts.slice(2).join("+"));
  if (parts.length !== 3) bad("BAD_NOTE_KEY", `verifier key: expected <name>+<key ID>+<base64 key>, got ${JSON.stringify(vkey.slice(0, 120))}`);
  const [name, idHex, material] = parts;
  const { type, keyId, key } = keyParts(name, idHex, material, "verifier key");
  if (hex(keyIdOf(name, key, type)) !== idHex) bad("BAD_NOTE_KEY", `verifier key: key ID ${idHex} does not match its name and public key`);
  return { name, type, keyId, publicKey: key };
}

/** Parses a signer key `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>`. */
export function parseSignerKey(skey: string): NoteSigner {
  const parts = skey.trim().split("+");
  if (parts.length >= 5) parts.splice(4, parts.length, parts.slice(4).join("+"));
  if (parts.length !== 5 || parts[0] !== "PRIVATE" || parts[1] !== "KEY") bad("BAD_NOTE_KEY", "signer key: expected PRIVATE+KEY+<name>+<key ID>+<base64 key> (the key itself is not shown)");
  const [, , name, idHex, material] = parts;
  const { type, keyId, key: seed } = keyParts(name, idHex, material, "signer key");
  const publicKey = ed25519.getPublicKey(seed);
  if (hex(keyIdOf(name, publicKey, type)) !== idHex) bad("BAD_NOTE_KEY", `signer key: key ID ${idHex} does not match its name and key`);
  return { name, type, keyId, seed, publicKey };
}

/** A new Ed25519 signer key for `name`, in the signer-key encoding (`type` 0x04 for a witness's cosignatures). */
export function generateSignerKey(name: string, type: SignatureType = ED25519): string {
  checkName(name);
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const keyId = keyIdOf(name, ed25519.getPublicKey(seed), type);
  return `PRIVATE+KEY+${name}+${hex(keyId)}+${toBase64(Uint8Array.of(type, ...seed))}`;
}

/** The verifier key that checks `signer`'s signatures. */
export function verifierKeyOf(signer: NoteSigner): string {
  return `${signer.name}+${hex(signer.keyId)}+${toBase64(Uint8Array.of(signer.type, ...signer.publicKey))}`;
}

function checkText(text: string): void {
  if (!text.endsWith("\n")) bad("BAD_NOTE", "note text must end with a newline");
  if (text.includes("\n\n")) bad("BAD_NOTE", "note text must not contain an empty line");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f]/.test(text)) bad("BAD_NOTE", "note text must not contain control characters other than newline");
}

/** Signs `text` (ending in a newline) and returns the signed note. */
export function signNote(text: string, signer: NoteSigner): string {
  if (signer.type !== ED25519) bad("BAD_NOTE_KEY", `${signer.name}: a cosigner key (type 0x04) signs cosignatures, not notes`);
  checkText(text);
  const signature = ed25519.sign(new TextEncoder().encode(text), signer.seed);
  return `${text}\n${SIGNATURE_PREFIX}${signer.name} ${toBase64(Uint8Array.of(...signer.keyId, ...signature))}\n`;
}

export interface NoteSignatureLine {
  name: string;
  keyId: Uint8Array;
  signature: Uint8Array;
  line: string;
}

/** Splits a signed note into its text and signature lines, checking the format but no signature. */
export function parseNote(note: string): { text: string; signatures: NoteSignatureLine[] } {
  if (new TextEncoder().encode(note).length > MAX_NOTE_BYTES) bad("BAD_NOTE", `note is larger than ${MAX_NOTE_BYTES} bytes`);
  const split = note.lastIndexOf("\n\n");
  if (split < 0 || !note.endsWith("\n")) bad("BAD_NOTE", "not a signed note: expected text, an empty line and signature lines, ending in a newline");
  const text = note.slice(0, split + 1);
  checkText(text);
  const lines = note.slice(split + 2, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) bad("BAD_NOTE", `note has ${lines.length} signatures; at most ${MAX_SIGNATURES} are read`);
  const signatures = lines.map((line) => {
    const match = /^\u2014 (\S+) (\S+)$/u.exec(line);
    if (!match) bad("BAD_NOTE", `malformed signature line ${JSON.stringify(line.slice(0, 120))}`);
    checkName(match[1]);
    const blob = fromBase64(match[2], `signature of ${match[1]}`);
    if (blob.length < 5) bad("BAD_NOTE", `signature of ${match[1]} is too short`);
    return { name: match[1], keyId: blob.subarray(0, 4), signature: blob.subarray(4), line };
  });
  return { text, signatures };
}

/**
 * The text of `note` when a signature by `verifier` verifies; throws KppeError otherwise. As
 * the spec requires, lines of other keys are ignored, and a line of this key that fails to
 * verify rejects the note.
 */
export function openNote(note: string, verifier: NoteVerifier): string {
  if (verifier.type !== ED25519) bad("BAD_NOTE_KEY", `${verifier.name}: a cosigner key (type 0x04) checks cosignatures (openCosigned), not note signatures`);
  const { text, signatures } = parseNote(note);
  const mine = signatures.filter((s) => s.name === verifier.name && hex(s.keyId) === hex(verifier.keyId));
  if (mine.length === 0) bad("NOTE_UNSIGNED", `the note carries no signature by ${verifier.name}+${hex(verifier.keyId)}`);
  const message = new TextEncoder().encode(text);
  for (const s of mine) {
    if (s.signature.length !== 64 || !ed25519.verify(s.signature, message, verifier.publicKey, { zip215: false })) {
      bad("NOTE_SIGNATURE_INVALID", `the signature by ${verifier.name} does not verify: the note was changed or signed by another key`);
    }
  }
  return text;
}

/** A C2SP tlog-checkpoint: the log's identity, size and root (0x hex). */
export interface Checkpoint {
  origin: string;
  size: number;
  root: string;
  /** Extension lines after the root, without their newlines. */
  extensions: string[];
}

/** The checkpoint body: origin, decimal size and base64 root, each on its own line. */
export function formatCheckpoint(checkpoint: Pick<Checkpoint, "origin" | "size" | "root">): string {
  if (checkpoint.origin.length === 0 || /\n/.test(checkpoint.origin)) bad("BAD_CHECKPOINT", `origin ${JSON.stringify(checkpoint.origin)}: must be one non-empty line`);
  if (!Number.isSafeInteger(checkpoint.size) || checkpoint.size < 0) bad("BAD_CHECKPOINT", `size ${checkpoint.size}: expected a non-negative integer`);
  return `${checkpoint.origin}\n${checkpoint.size}\n${toBase64(hex32ToBytes(checkpoint.root, "root"))}\n`;
}

export function parseCheckpoint(text: string): Checkpoint {
  const lines = text.split("\n");
  if (lines.length < 4 || lines[lines.length - 1] !== "") bad("BAD_CHECKPOINT", "a checkpoint has an origin, a size and a root line, each ending in a newline");
  const [origin, sizeLine, rootLine, ...rest] = lines.slice(0, -1);
  if (origin.length === 0) bad("BAD_CHECKPOINT", "checkpoint origin is empty");
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) bad("BAD_CHECKPOINT", `checkpoint size ${JSON.stringify(sizeLine)} is not a decimal integer`);
  const root = fromBase64(rootLine, "checkpoint root");
  if (root.length !== 32) bad("BAD_CHECKPOINT", `checkpoint root is ${root.length} bytes, expected 32`);
  return { origin, size: Number(sizeLine), root: toHex(root), extensions: rest };
}

/** Signs the checkpoint of (`size`, `root`) with the log key, whose name is the log's origin. */
export function signCheckpoint(size: number, root: string, signer: NoteSigner): string {
  return signNote(formatCheckpoint({ origin: signer.name, size, root }), signer);
}

/**
 * The checkpoint of a signed note, once the log key `verifier` (the verifier's own, never one
 * taken from the note) has signed it and its origin is that key's name.
 */
export function openCheckpoint(note: string, verifier: NoteVerifier): Checkpoint {
  const checkpoint = parseCheckpoint(openNote(note, verifier));
  if (checkpoint.origin !== verifier.name) bad("CHECKPOINT_ORIGIN", `checkpoint origin ${JSON.stringify(checkpoint.origin)} is not the log key's name ${JSON.stringify(verifier.name)}`);
  return checkpoint;
}
